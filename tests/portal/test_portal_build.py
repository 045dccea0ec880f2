"""The portal's own checks, run from pytest so `make test` covers them: the generated API types
are those of the current OpenAPI document, the portal type-checks against them, and its Vitest
unit tests pass."""
from __future__ import annotations

import subprocess

import pytest

from ops import portal

pytestmark = pytest.mark.portal


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(portal.BIN / argv[0]), *argv[1:]], cwd=portal.PORTAL, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "CI": "1"})


def test_generated_api_types_match_the_current_openapi_document(tmp_path):
    fresh = portal.generate_types(tmp_path / "schema.d.ts").read_text(encoding="utf-8")
    committed = portal.SCHEMA_TS.read_text(encoding="utf-8")
    assert fresh == committed, (
        "portal/src/api/schema.d.ts is stale against the API's OpenAPI document: run `make portal-types` "
        "and commit the result")


def test_the_portal_type_checks_against_the_generated_types():
    result = _run("vue-tsc", "--noEmit")
    assert result.returncode == 0, f"vue-tsc found type errors:\n{result.stdout}\n{result.stderr}"


def test_vitest_unit_tests_pass():
    result = _run("vitest", "run", "--reporter=verbose")
    assert result.returncode == 0, f"Vitest failed:\n{result.stdout}\n{result.stderr}"
    assert " passed" in result.stdout, f"Vitest ran no test:\n{result.stdout}"
