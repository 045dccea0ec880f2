"""No secret in the repository (issue 13 item 5): every tracked file is searched for private keys,
AWS access keys and secret keys, and JWTs. The demo password (ops/seed.DEMO_PASSWORD) is public on
purpose: it is printed by `make run` and only ever set on the local stage's demo accounts."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = {
    "a private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----"),
    "an AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "an AWS secret access key": re.compile(r"(?i)aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+]{40}\b"),
    "a JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}"),
}
SKIP_SUFFIXES = (".png", ".jpg", ".ico", ".woff", ".woff2", ".pdf", ".xlsx", ".zip")


def test_no_secret_in_any_tracked_file():
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    assert len(files) > 100, "git ls-files listed almost nothing: is this the repository?"
    found = []
    for name in filter(None, (f.decode() for f in files)):
        if name.endswith(SKIP_SUFFIXES) or "node_modules/" in name:
            continue
        path = ROOT / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [f"{name}: {what}" for what, pattern in PATTERNS.items() if pattern.search(text)]
    assert not found, "secrets in the repository:\n" + "\n".join(found)


def test_the_patterns_find_what_they_look_for():
    # assembled here, so this file does not hold what it looks for
    samples = {"a private key": "-----BEGIN RSA " + "PRIVATE KEY-----", "an AWS access key id": "AKIA" + "ABCDEFGHIJKLMNOP",
               "an AWS secret access key": "aws_secret_access_key = " + "A" * 40,
               "a JWT": "eyJ" + "hbGciOiJIUzI1NiJ9." + "eyJ" + "zdWIiOiJ4eXoxMjMifQ." + "abcdefghijklmnopqrstuvwxyz012345"}
    for what, sample in samples.items():
        assert PATTERNS[what].search(sample), what
