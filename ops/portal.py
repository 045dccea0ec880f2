"""The browser portal (``portal/``): its typed API client, its build, and how ``make run`` serves it.

- ``openapi_document()`` builds the API's OpenAPI document in-process from ``app.py`` (the same
  function ``GET /openapi.json`` serves, on the local stage so the dev routes are in it);
- ``python -m ops.portal types`` regenerates ``portal/src/api/schema.d.ts`` from it with
  openapi-typescript; a test fails when the committed file is stale;
- ``build_if_needed()`` runs ``vite build`` when a source is newer than ``portal/dist``;
- ``start_preview()`` serves the build with ``vite preview``, whose proxy sends ``/api`` to the
  API (one origin for the browser, no CORS).
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
DIST = PORTAL / "dist"
SCHEMA_TS = PORTAL / "src" / "api" / "schema.d.ts"
BIN = PORTAL / "node_modules" / ".bin"
# Sources whose change means a rebuild; dist/ and node_modules/ are outputs.
SOURCES = ("src", "public", "index.html", "vite.config.ts", "package-lock.json", "tsconfig.json")

_DUMP = """
import json, sys
import app
from chalicelib.api import openapi
from chalicelib.handlers.openapi import API_VERSION
json.dump(openapi.build(app.app.routes, API_VERSION), sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
"""


def openapi_document() -> dict:
    """The OpenAPI document of the local stage, built from app.py in a fresh interpreter
    (the calling process may have imported app.py for another stage)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MP_"))}
    env.update({"MP_STAGE": "local", "AWS_DEFAULT_REGION": "us-east-1"})
    out = subprocess.run([sys.executable, "-c", _DUMP], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def generate_types(target: Path = SCHEMA_TS) -> Path:
    """Write the TypeScript types of the current API to ``target`` (openapi-typescript)."""
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "openapi.json"
        doc.write_text(json.dumps(openapi_document(), ensure_ascii=False), encoding="utf-8")
        subprocess.run([str(BIN / "openapi-typescript"), str(doc), "--output", str(target)], cwd=PORTAL,
                       check=True, capture_output=True, text=True)
    return target


def _newest_source() -> float:
    newest = 0.0
    for name in SOURCES:
        p = PORTAL / name
        if p.is_dir():
            newest = max([newest, *(f.stat().st_mtime for f in p.rglob("*") if f.is_file())])
        elif p.exists():
            newest = max(newest, p.stat().st_mtime)
    return newest


def build_needed() -> bool:
    index = DIST / "index.html"
    return not index.exists() or index.stat().st_mtime < _newest_source()


def build_if_needed(log=print) -> bool:
    """Build the portal when a source is newer than the last build; True when it built.
    A file lock keeps two stacks started at once (parallel test sessions) from building together."""
    if not build_needed():
        return False
    if not (BIN / "vite").exists():
        raise RuntimeError("the portal's packages are not installed: run `make run` (it runs npm ci in portal/)")
    with (PORTAL / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not build_needed():
            return False
        log("building the portal (vite build)")
        result = subprocess.run([str(BIN / "vite"), "build"], cwd=PORTAL, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"vite build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return True


def start_preview(host: str, port: int, api_url: str, log_path: Path) -> subprocess.Popen:
    """``vite preview`` of the build on host:port, proxying /api to ``api_url``."""
    env = dict(os.environ, MP_API_URL=api_url)
    out = log_path.open("w")
    return subprocess.Popen([str(BIN / "vite"), "preview", "--host", host, "--port", str(port), "--strictPort"],
                            cwd=PORTAL, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("types", "build"))
    args = parser.parse_args(argv)
    if args.command == "types":
        print(f"wrote {generate_types().relative_to(ROOT)}")
    else:
        print("built" if build_if_needed() else "up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
