"""Security gates (issue 13 item 5) not covered elsewhere: tests/api/test_sessions.py checks a
garbage/edited/expired token, HS512, alg none and another key, the login lockout; test_registration.py
the SMS resend and daily throttles; test_documents.py the presigned links' lifetime. Here: the
password hashing parameters, the SMS code's wrong-try limit, a captcha's single use, tokens with a
forged payload, another audience or issuer, and of a disabled or unbound account, and no secret in
the logs of a whole flow."""
from __future__ import annotations

import base64
import json
import logging
import re
from unittest import mock

import pytest

from tests import factory
from tests.api.conftest import assert_error, body
from tests.api.test_registration import PASSWORD, operator_info, unit_info


@pytest.fixture
def org(aws):
    return factory.make_org(role=None)


def test_password_hashes_are_argon2id_with_the_documented_cost():
    from argon2 import PasswordHasher

    from chalicelib.security import passwords

    class Prod:  # dev/prod settings (chalicelib.config: password_hashing is "production" there)
        stage = "prod"
        password_hashing = "production"

    passwords._hasher.cache_clear()
    try:
        with mock.patch.object(passwords, "get_settings", return_value=Prod()):
            hashed = passwords.hash_password("Reg#Strong2026")
            light = PasswordHasher(**passwords.LIGHT).hash("Reg#Strong2026")
            assert passwords.verify_password(hashed, "Reg#Strong2026") and not passwords.verify_password(hashed, "x")
            assert passwords.needs_rehash(light), "a light (test-stage) hash is upgraded at the next login"
    finally:
        passwords._hasher.cache_clear()
    match = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[^$]+\$[^$]+", hashed)
    assert match, f"not an argon2id hash: {hashed}"
    memory_kib, time_cost, lanes = map(int, match.groups())
    assert (memory_kib, time_cost, lanes) == (65536, 3, 1), hashed
    assert memory_kib >= 19456 and time_cost >= 2, "below OWASP's argon2id baseline (m=19 MiB, t=2)"


def test_an_sms_code_is_void_after_five_wrong_tries(api, seeded):
    from chalicelib.domain.identity import rules

    operator = operator_info()
    code = api.sms_code(operator["mobile"], "register")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(rules.SMS_MAX_TRIES):
        response = api.post("/registrations", {"unit": unit_info(), "operator": operator, "sms_code": wrong})
        assert_error(response, 400, "sms_code_invalid", f"wrong code, try {attempt + 1}")
    right = api.post("/registrations", {"unit": unit_info(), "operator": operator, "sms_code": code})
    error = assert_error(right, 400, "sms_code_invalid", "the right code after five wrong tries")
    assert error["details"][0]["field"] == "sms_code", error


def test_a_captcha_answers_once(api, org):
    captcha = api.captcha()
    first = api.post("/sessions", {"login": org.unit_login, "password": "wrong-Pass#1", **captcha})
    assert_error(first, 401, "invalid_credentials", "a wrong password with a good captcha")
    again = api.post("/sessions", {"login": org.unit_login, "password": "wrong-Pass#1", **captcha})
    assert again.status_code == 400, f"a captcha used twice: {again.status_code} {again.body[:200]}"
    assert [d["field"] for d in body(again)["error"]["details"]] in (["captcha_answer"], ["captcha_id"]), again.body


def _segments(token: str) -> list[str]:
    return token.split(".")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict:
    payload = _segments(token)[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_forged_and_foreign_tokens_are_refused(api, org):
    import jwt

    from chalicelib.secrets import app_secret

    other = factory.make_org()
    good, theirs = factory.unit_token(org), factory.unit_token(other)
    assert api.get("/me", token=good).status_code == 200
    header, _, signature = _segments(good)
    claims = _claims(good)
    cases = {
        "another account's id under our signature": f"{header}.{_b64({**claims, 'sub': _claims(theirs)['sub']})}.{signature}",
        "a longer lifetime under our signature": f"{header}.{_b64({**claims, 'exp': claims['exp'] + 86400})}.{signature}",
        "alg none header on our payload": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_segments(good)[1]}.",
        "another audience": jwt.encode({**claims, "aud": "someone-else"}, app_secret("jwt_key"), algorithm="HS256"),
        "another stage's issuer": jwt.encode({**claims, "iss": "medprocure-prod"}, app_secret("jwt_key"), algorithm="HS256"),
        "an unknown scope": jwt.encode({**claims, "scp": "admin"}, app_secret("jwt_key"), algorithm="HS256"),
        "no expiry": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, app_secret("jwt_key"), algorithm="HS256"),
    }
    for what, token in cases.items():
        response = api.get("/me", token=token)
        assert response.status_code in (401, 403), f"{what}: {response.status_code} {response.body[:200]}"
        assert body(response)["error"]["code"] in ("invalid_token", "unauthenticated", "token_expired"), (what, response.body)


def test_tokens_of_a_disabled_sub_account_and_an_unbound_operator_stop_working(api, org):
    unit = factory.unit_token(org)
    created = api.post("/org/sub-accounts", {"login": f"clerk{factory.mobile()[-6:]}", "name": "张三"}, token=unit)
    assert created.status_code == 201, created.body
    sub_id = body(created)["sub_account"]["account_id"]
    sub_token = factory.token(sub_id, org.org_id)
    assert api.get("/me", token=sub_token).status_code == 200
    assert api.post(f"/org/sub-accounts/{sub_id}/disable", token=unit).status_code == 200
    refused = api.get("/me", token=sub_token)
    assert refused.status_code in (401, 403), f"a disabled sub-account's token still works: {refused.body[:200]}"

    operator_id, _ = factory.add_operator(org)
    operator_token = factory.token(operator_id, org.org_id)
    assert api.get("/org", token=operator_token).status_code == 200
    assert api.delete(f"/org/operators/{operator_id}", token=unit).status_code == 200
    refused = api.get("/org", token=operator_token)
    assert refused.status_code in (401, 403), f"an unbound operator's token still works: {refused.body[:200]}"


def test_no_password_token_sms_code_or_id_number_reaches_the_logs(api, seeded, capsys, caplog):
    """A whole flow at DEBUG: registration (password, ID number, SMS code), logins, a refused login,
    token use, a password change, a bad request echoing fields; nothing secret is written."""
    medprocure = logging.getLogger("medprocure")
    level = medprocure.level
    medprocure.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        unit, operator = unit_info(), operator_info()
        code = api.sms_code(operator["mobile"], "register")
        done = api.post("/registrations", {"unit": unit, "operator": operator, "sms_code": code})
        assert done.status_code == 201, done.body
        session = body(api.login(operator["mobile"], operator["password"]))
        unit_session = body(api.login(unit["unit_account"], PASSWORD))
        assert api.login(unit["unit_account"], "Wrong#Guess2026").status_code == 401
        for token in (session["token"], unit_session["token"]):
            assert api.get("/me", token=token).status_code == 200
        new_password = "Chg#Strong2027"
        changed = api.put("/me/password", {"old_password": PASSWORD, "new_password": new_password},
                          token=unit_session["token"])
        assert changed.status_code == 200, changed.body
        bad = api.post("/registrations", {"unit": {**unit, "password": "short"}, "operator": operator, "sms_code": code})
        assert bad.status_code in (400, 409), bad.body
        api.post("/sessions", raw='{"login": "x", "password": "' + PASSWORD + '", "captcha_id": 1}')
    finally:
        medprocure.setLevel(level)
    written = capsys.readouterr()
    # The app's own logs at every level, and what any library logs at INFO and above (botocore's DEBUG
    # lines show request parameters — the SMS text sent to the gateway — and are never on in Lambda).
    records = [r for r in caplog.records if r.name.startswith("medprocure") or r.levelno >= logging.INFO]
    logs = written.out + written.err + "\n".join(r.getMessage() + json.dumps(vars(r), default=str) for r in records)
    assert "request" in logs, "the flow should have logged something (is the capture working?)"
    secrets = {"the unit account's password": PASSWORD, "the operator's password": operator["password"],
               "the new password": new_password, "the SMS code": code, "the ID number": operator["id_number"],
               "the operator's token": session["token"], "the unit account's token": unit_session["token"],
               "a token's signature": _segments(session["token"])[2]}
    leaked = {what: [line[:300] for line in logs.splitlines() if value in line][:3]
              for what, value in secrets.items() if value in logs}
    assert not leaked, f"written to the logs: {leaked}"


def test_presigned_links_are_short_lived_and_name_one_object(aws):
    """Every kind of presigned link the app hands out (chalicelib.files): at most 15 minutes, for the
    one object named, GETs signed over the host only; uploads' policies pin the exact key. The
    routes' own lifetimes (documents, attachments, job results) are checked by their tests."""
    import base64
    import inspect
    from datetime import datetime, timedelta, timezone
    from urllib.parse import parse_qs, urlparse

    from chalicelib import files
    from chalicelib.services import documents, project_attachments

    limit = 900
    key = "orgs/o1/files/f1.pdf"
    for what, url in (("presigned_get", files.presigned_get(key)),
                      ("presigned_download", files.presigned_download(key, "attachment; filename=a.pdf",
                                                                       "application/pdf"))):
        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        assert int(query["X-Amz-Expires"][0]) <= limit, f"{what}: lives {query['X-Amz-Expires']} s"
        assert parsed.path.endswith("/" + key) or parsed.path == "/" + key, f"{what}: {parsed.path} is not {key}"
        assert query["X-Amz-SignedHeaders"] == ["host"], f"{what}: {query['X-Amz-SignedHeaders']}"
    for what, post in (("presigned_post", files.presigned_post("imports/o1/a.csv", "text/csv", 1000)),
                       ("presigned_pdf_post", files.presigned_pdf_post("uploads/o1/f1.pdf", 100, 1000, 900))):
        policy = json.loads(base64.b64decode(post["fields"]["policy"]))
        expiry = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        assert expiry <= datetime.now(timezone.utc) + timedelta(seconds=limit + 5), f"{what}: expires {expiry}"
        assert {"key": post["fields"]["key"]} in policy["conditions"], f"{what}: the key is not pinned"
        assert not [c for c in policy["conditions"] if isinstance(c, list) and c[0] == "starts-with"], what
    defaults = {f"files.{name}": inspect.signature(fn).parameters["ttl_s"].default
                for name, fn in vars(files).items() if inspect.isfunction(fn) and "ttl_s" in inspect.signature(fn).parameters
                and inspect.signature(fn).parameters["ttl_s"].default is not inspect.Parameter.empty}
    constants = {"documents.UPLOAD_TTL_S": documents.UPLOAD_TTL_S, "documents.DOWNLOAD_TTL_S": documents.DOWNLOAD_TTL_S,
                 "project_attachments.DOWNLOAD_TTL_S": project_attachments.DOWNLOAD_TTL_S, **defaults}
    assert defaults and all(0 < v <= limit for v in constants.values()), constants
