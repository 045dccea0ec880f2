"""The synth's Lambda zips come from the machine's cache in a clone that has none of its own
(tests/infra/background.py ``share_deployments_cache``)."""
from __future__ import annotations

from tests.infra.background import share_deployments_cache


def test_a_clone_without_deployments_links_the_machine_cache(tmp_path):
    project, cache = tmp_path / "clone", tmp_path / "cache"
    (project / ".chalice").mkdir(parents=True)
    share_deployments_cache(project, cache)
    local = project / ".chalice" / "deployments"
    assert local.is_symlink() and local.resolve() == cache.resolve(), f"{local} should link to {cache}"
    (cache / "managed-layer-abc-python3.11.zip").write_bytes(b"zip")
    assert (local / "managed-layer-abc-python3.11.zip").read_bytes() == b"zip", "the link does not reach the cache"


def test_a_clone_with_its_own_deployments_keeps_them(tmp_path):
    project, cache = tmp_path / "clone", tmp_path / "cache"
    own = project / ".chalice" / "deployments"
    own.mkdir(parents=True)
    (own / "appcode-1-python3.11.zip").write_bytes(b"mine")
    share_deployments_cache(project, cache)
    assert not own.is_symlink() and (own / "appcode-1-python3.11.zip").read_bytes() == b"mine", \
        "a clone's own deployments folder was replaced"
    assert not cache.exists(), "the cache was made although nothing links to it"
