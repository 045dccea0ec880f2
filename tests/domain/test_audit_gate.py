"""The audit's reading of pip-audit and npm audit reports (ops/audit.py): a finding not in the
allow-list fails, an allowed one does not, an unaudited package is named."""
from __future__ import annotations

from ops import audit


def test_python_findings_respect_the_allow_list():
    report = {"dependencies": [
        {"name": "pyjwt", "version": "2.0.0", "vulns": [{"id": "PYSEC-1", "aliases": ["GHSA-a"], "fix_versions": ["2.4.0"]}]},
        {"name": "pillow", "version": "9.0.0", "vulns": [{"id": "PYSEC-2", "aliases": ["CVE-9"], "fix_versions": []}]},
        {"name": "captcha", "skip_reason": "Dependency not found on PyPI"},
        {"name": "pypdf", "version": "7.1.1", "vulns": []}]}
    findings, skipped = audit.python_findings(report, {"CVE-9": "not reachable from our code (review 2027-01-01)"})
    assert findings == ["pyjwt 2.0.0: PYSEC-1 (fixed in 2.4.0)"], findings
    assert skipped == ["captcha"], skipped
    assert audit.python_findings(report, {"GHSA-a": "x", "PYSEC-2": "y"})[0] == [], "allowed by id or alias"


def test_npm_findings_respect_the_allow_list():
    report = {"vulnerabilities": {
        "vite": {"via": [{"source": 1, "url": "https://github.com/advisories/GHSA-vite-0001", "severity": "high",
                          "title": "path traversal"}]},
        "esbuild": {"via": ["vite"]},  # through another package: reported under its advisory
    }}
    assert audit.npm_findings(report, {}) == ["vite (high): GHSA-vite-0001 path traversal"]
    assert audit.npm_findings(report, {"GHSA-vite-0001": "dev server only (review 2027-01-01)"}) == []


def test_the_allow_list_reads():
    allowed = audit.load_allowlist()
    assert set(allowed) == {"python", "npm"}
    assert all(reason.strip() for section in allowed.values() for reason in section.values()), \
        "every accepted advisory says why"
