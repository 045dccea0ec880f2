"""The dependency audit and static analysis (issue 13 item 5): ``make audit``, run by ``make test``.

- **pip-audit** over ``requirements.txt`` (what is packaged into the Lambda bundle), against PyPI's
  vulnerability data (its JSON API);
- **npm audit** over ``portal/package-lock.json`` (the portal's build and runtime packages), against
  the npm registry's advisory endpoint;
- **bandit** over what is deployed (``app.py``, ``chalicelib/``) with no skip: clean, or each finding
  justified where it is (``# nosec Bxxx`` with the reason); and over the developer tools (``ops/``,
  ``infra/``, ``bench/``) with the skips of ``ops/bandit-devtools.yaml``, each with its reason.

Accepted advisories are listed in ``ops/audit_allowlist.toml``, each with its reason and a date to
look again. Either database may be out of reach (this machine reaches the package registries only
through a mirror of their indexes: PyPI's per-release JSON answers 404, the npm advisory endpoint 405): then
that audit is skipped with a message saying so — never reported as clean — and the run goes on.
``--strict`` makes an unreachable database a failure (for a CI with internet access).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
ALLOWLIST = ROOT / "ops" / "audit_allowlist.toml"
BANDIT_TARGETS = ("app.py", "chalicelib")  # deployed: no skip
BANDIT_DEVTOOLS = ("ops", "infra", "bench")  # never packaged: the skips of ops/bandit-devtools.yaml
BANDIT_DEVTOOLS_CONFIG = ROOT / "ops" / "bandit-devtools.yaml"
# pip-audit asks for each pinned release: where that is served the answer has a "vulnerabilities" key.
PYPI_PROBE = "https://pypi.org/pypi/pip/24.0/json"


@dataclass
class Result:
    name: str
    status: str  # "ok", "skipped", "failed"
    detail: str

    def line(self) -> str:
        return f"[audit] {self.name}: {self.status.upper()} — {self.detail}"


def load_allowlist(path: Path = ALLOWLIST) -> dict[str, dict[str, str]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {"python": dict(data.get("python", {})), "npm": dict(data.get("npm", {}))}


def _tool(name: str) -> str:
    return str(VENV_BIN / name)


def _pypi_reachable(timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(PYPI_PROBE, timeout=timeout) as r:  # nosec B310: a fixed https URL
            return "vulnerabilities" in json.loads(r.read())
    except (urllib.error.URLError, OSError, ValueError):
        return False


def python_findings(report: dict, allowed: dict[str, str]) -> tuple[list[str], list[str]]:
    """(findings not allowed, dependencies that could not be audited) of a ``pip-audit -f json`` report."""
    findings, skipped = [], []
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            skipped.append(dep["name"])
        for vuln in dep.get("vulns", []):
            ids = {vuln["id"], *vuln.get("aliases", [])}
            if not ids & set(allowed):
                fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
                findings.append(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    return findings, skipped


def audit_python(allowed: dict[str, str]) -> Result:
    if not _pypi_reachable():
        return Result("pip-audit", "skipped", f"PyPI's vulnerability data ({PYPI_PROBE}) is out of reach (offline, "
                                               "or a registry mirror without the JSON API): requirements.txt NOT audited")
    run = subprocess.run([_tool("pip-audit"), "-r", str(ROOT / "requirements.txt"), "-f", "json",  # nosec B603
                          "--progress-spinner", "off"], capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(run.stdout)
    except ValueError:
        return Result("pip-audit", "failed", f"no report (exit {run.returncode}): {run.stderr[-1500:]}")
    findings, skipped = python_findings(report, allowed)
    if skipped and len(skipped) == len(report.get("dependencies", [])):
        return Result("pip-audit", "skipped", "PyPI answered no package's vulnerability data (a registry mirror "
                                               "without the JSON API): requirements.txt NOT audited")
    if findings:
        return Result("pip-audit", "failed", "known vulnerabilities:\n  " + "\n  ".join(findings))
    if skipped:
        return Result("pip-audit", "failed", f"could not audit {', '.join(skipped)}")
    return Result("pip-audit", "ok", f"{len(report.get('dependencies', []))} packages, no known vulnerability "
                                     f"({len(allowed)} allowed by ops/audit_allowlist.toml)")


def npm_findings(report: dict, allowed: dict[str, str]) -> list[str]:
    """Advisories of an ``npm audit --json`` report (v2 format) not in the allow-list."""
    out = []
    for name, vuln in sorted(report.get("vulnerabilities", {}).items()):
        for via in vuln.get("via", []):
            if isinstance(via, dict):  # an advisory (a string names the dependency it comes through)
                advisory = via.get("url", "").rsplit("/", 1)[-1] or str(via.get("source"))
                if advisory not in allowed:
                    out.append(f"{name} ({via.get('severity')}): {advisory} {via.get('title', '')}")
    return out


def audit_npm(allowed: dict[str, str]) -> Result:
    portal = ROOT / "portal"
    try:
        run = subprocess.run(["npm", "audit", "--json"], cwd=portal, capture_output=True, text=True,  # nosec B603 B607
                             timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Result("npm audit", "skipped", f"npm did not answer ({exc!r}): portal/ NOT audited")
    try:
        report = json.loads(run.stdout)
    except ValueError:
        return Result("npm audit", "failed", f"no report (exit {run.returncode}): {run.stderr[-1500:]}")
    if "vulnerabilities" not in report:  # {"message": "405 Method Not Allowed - POST …/advisories/bulk", …}
        return Result("npm audit", "skipped", f"the registry's advisory endpoint is out of reach "
                                              f"({report.get('message', run.stderr.strip()[-300:])}): portal/ NOT audited")
    findings = npm_findings(report, allowed)
    if findings:
        return Result("npm audit", "failed", "known vulnerabilities:\n  " + "\n  ".join(findings))
    total = report.get("metadata", {}).get("dependencies", {}).get("total", "?")
    return Result("npm audit", "ok", f"{total} packages, no known vulnerability ({len(allowed)} allowed)")


def audit_bandit(targets: tuple[str, ...] = BANDIT_TARGETS, config: Path | None = None) -> Result:
    options = ["-c", str(config)] if config else []
    run = subprocess.run([_tool("bandit"), *options, "-r", *targets, "-f", "json", "-q"], cwd=ROOT,  # nosec B603
                         capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(run.stdout)
    except ValueError:
        return Result("bandit", "failed", f"no report (exit {run.returncode}): {run.stderr[-1500:]}")
    issues = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report.get("results", [])]
    if issues:
        return Result("bandit", "failed", "findings (fix, or justify with `# nosec Bxxx` and the reason):\n  "
                      + "\n  ".join(issues))
    lines = report.get("metrics", {}).get("_totals", {}).get("loc", "?")
    skips = f" (skips: {config.relative_to(ROOT)})" if config else " (no skip)"
    return Result("bandit", "ok", f"{', '.join(targets)}: {lines} lines, no finding{skips}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strict", action="store_true", help="an unreachable vulnerability database fails")
    args = parser.parse_args(argv)
    allowed = load_allowlist()
    results = [audit_python(allowed["python"]), audit_npm(allowed["npm"]), audit_bandit(),
               audit_bandit(BANDIT_DEVTOOLS, BANDIT_DEVTOOLS_CONFIG)]
    for result in results:
        print(result.line())
    bad = [r for r in results if r.status == "failed" or (args.strict and r.status == "skipped")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
