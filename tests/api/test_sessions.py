"""Login, organisation choice, tokens, lockout, password change, recovery."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib import clock
from tests import factory
from tests.api.conftest import body


@pytest.fixture
def org(aws):
    return factory.make_org(role=None)


def test_login_with_each_kind_of_identifier(api, org):
    op_id, mobile = factory.add_operator(org)
    unit = body(api.login(org.unit_login, factory.PASSWORD))
    assert unit["account_kind"] == "unit" and unit["org_id"] == org.org_id and unit["scope"] == "org"
    assert body(api.login(org.unit_login.upper(), factory.PASSWORD))["account_id"] == unit["account_id"]
    assert body(api.login(org.credit_code, factory.PASSWORD))["account_id"] == unit["account_id"]
    op = body(api.login(mobile, factory.PASSWORD))
    assert op["account_id"] == op_id and op["org_id"] == org.org_id
    me = body(api.get("/me", token=op["token"]))
    assert me["login"] == mobile and me["org_name"] == org.name and "qualification_maintain" in me["permissions"]


def test_unknown_login_and_wrong_password_look_the_same(api, org):
    wrong = api.login(org.unit_login, "Wrong#Pass1")
    unknown = api.login("nobody_here", "Wrong#Pass1")
    unknown_mobile = api.login("13700000000", "Wrong#Pass1")
    for response in (wrong, unknown, unknown_mobile):
        assert response.status_code == 401, response.body
        assert body(response)["error"]["code"] == "invalid_credentials"
        assert body(response)["error"]["message"] == body(wrong)["error"]["message"]


@pytest.mark.parametrize("who", ["existing", "unknown"])
def test_five_failures_lock_for_fifteen_minutes(api, org, who):
    login = org.unit_login if who == "existing" else "ghost_account"
    for _ in range(5):
        assert api.login(login, "Wrong#Pass1").status_code == 401
    locked = api.login(login, factory.PASSWORD)
    assert locked.status_code == 429 and body(locked)["error"]["code"] == "login_locked", locked.body
    assert 0 < int(locked.headers["Retry-After"]) <= 900
    previous = clock.set_clock(clock.FixedClock(clock.now() + timedelta(minutes=16)))
    try:
        after = api.login(login, factory.PASSWORD)
    finally:
        clock.set_clock(previous)
    assert after.status_code == (201 if who == "existing" else 401), after.body


def test_a_success_resets_the_failure_count(api, org):
    for _ in range(4):
        api.login(org.unit_login, "Wrong#Pass1")
    assert api.login(org.unit_login, factory.PASSWORD).status_code == 201
    for _ in range(4):
        api.login(org.unit_login, "Wrong#Pass1")
    assert api.login(org.unit_login, factory.PASSWORD).status_code == 201


def test_the_captcha_is_required_and_checked(api, org):
    response = api.post("/sessions", {"login": org.unit_login, "password": factory.PASSWORD,
                                      "captcha_id": "nope", "captcha_answer": "AAAAA"})
    assert response.status_code == 400 and body(response)["error"]["code"] == "captcha_invalid"
    missing = api.post("/sessions", {"login": org.unit_login, "password": factory.PASSWORD})
    assert missing.status_code == 400
    assert {d["field"] for d in body(missing)["error"]["details"]} == {"captcha_id", "captcha_answer"}


def test_operator_of_several_organisations_picks_one(api, aws):
    first, second = factory.make_org(), factory.make_org(ActorKind_hospital(), role=None)
    op_id, mobile = factory.add_operator(first)
    factory.add_operator(second, existing=op_id)
    session = body(api.login(mobile, factory.PASSWORD))
    assert session["scope"] == "select_org" and session["org_id"] is None
    assert {o["org_id"] for o in session["organisations"]} == {first.org_id, second.org_id}
    refused = api.get("/org", token=session["token"])
    assert refused.status_code == 403 and body(refused)["error"]["code"] == "organisation_not_selected"
    chosen = api.post("/sessions/organisation", {"org_id": second.org_id}, token=session["token"])
    assert chosen.status_code == 200, chosen.body
    assert body(api.get("/org", token=body(chosen)["token"]))["org_id"] == second.org_id
    stranger = factory.make_org()
    other = api.post("/sessions/organisation", {"org_id": stranger.org_id}, token=session["token"])
    assert other.status_code == 403 and body(other)["error"]["code"] == "not_a_member"


def ActorKind_hospital():
    from chalicelib.domain.enums import ActorKind

    return ActorKind.MEDICAL_INSTITUTION


def test_tokens_are_checked(api, org):
    from chalicelib.security import tokens

    good = factory.unit_token(org)
    assert api.get("/me", token=good).status_code == 200
    assert api.get("/me").status_code == 401, "no token: 401 at the gateway"
    for bad in ("garbage", good[:-3] + "abc", good + "x"):
        assert api.get("/me", token=bad).status_code == 403, f"not signed by us: refused at the gateway: {bad}"
    # expired, by the injectable clock: the app says so, so the portal logs in again
    previous = clock.set_clock(clock.FixedClock(clock.now() + timedelta(minutes=31)))
    try:
        expired = api.get("/me", token=good)
    finally:
        clock.set_clock(previous)
    assert expired.status_code == 401 and body(expired)["error"]["code"] == "token_expired"
    # another algorithm is refused (alg pinned), even with the right key
    import warnings

    import jwt
    from jwt.warnings import InsecureKeyLengthWarning

    from chalicelib.secrets import app_secret

    claims = jwt.decode(good, app_secret("jwt_key"), algorithms=["HS256"], audience=tokens.AUDIENCE)
    with warnings.catch_warnings():  # our HS256 key is short for HS512: that is the forger's problem
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        forged = jwt.encode(claims, app_secret("jwt_key"), algorithm="HS512")
    assert api.get("/me", token=forged).status_code == 403
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    assert api.get("/me", token=unsigned).status_code == 403
    other_key = jwt.encode(claims, "not-our-key-but-long-enough-for-hs256", algorithm="HS256")
    assert api.get("/me", token=other_key).status_code == 403


def test_logout_ends_every_session(api, org):
    first, second = factory.unit_token(org), factory.unit_token(org)
    assert api.delete("/sessions/current", token=first).status_code == 200
    for token in (first, second):
        refused = api.get("/me", token=token)
        assert refused.status_code == 401 and body(refused)["error"]["code"] == "session_revoked"


def test_refresh_gives_a_new_token(api, org):
    session = body(api.post("/sessions/refresh", token=factory.unit_token(org)))
    assert session["scope"] == "org" and api.get("/me", token=session["token"]).status_code == 200


def test_password_change_rules_and_effect(api, org):
    token = factory.unit_token(org)
    wrong = api.put("/me/password", {"old_password": "Nope#1234", "new_password": "Brand#New2026"}, token=token)
    assert wrong.status_code == 400 and body(wrong)["error"]["code"] == "wrong_password"
    weak = api.put("/me/password", {"old_password": factory.PASSWORD, "new_password": "password"}, token=token)
    assert weak.status_code == 400 and body(weak)["error"]["details"][0]["field"] == "new_password"
    same = api.put("/me/password", {"old_password": factory.PASSWORD, "new_password": factory.PASSWORD}, token=token)
    assert same.status_code == 400 and body(same)["error"]["code"] == "password_reused"
    done = api.put("/me/password", {"old_password": factory.PASSWORD, "new_password": "Brand#New2026"}, token=token)
    assert done.status_code == 200, done.body
    assert api.get("/me", token=token).status_code == 401, "other sessions end with a password change"
    assert api.get("/me", token=body(done)["token"]).status_code == 200
    assert api.login(org.unit_login, factory.PASSWORD).status_code == 401
    assert api.login(org.unit_login, "Brand#New2026").status_code == 201


def test_provisioned_accounts_must_change_the_issued_password_first(api, aws):
    org = factory.make_org(provisioned=True)
    session = body(api.login(org.unit_login, factory.PASSWORD))
    assert session["scope"] == "password_change"
    assert session["pending_actions"][0]["code"] == "change_password"
    blocked = api.get("/org", token=session["token"])
    assert blocked.status_code == 403 and body(blocked)["error"]["code"] == "password_change_required"
    assert api.get("/me", token=session["token"]).status_code == 200
    changed = api.put("/me/password", {"old_password": factory.PASSWORD, "new_password": "Fresh#Start2026"},
                      token=session["token"])
    assert body(changed)["scope"] == "org"
    assert api.get("/org", token=body(changed)["token"]).status_code == 200


def test_old_passwords_expire_after_180_days(api, org):
    previous = clock.set_clock(clock.FixedClock(clock.now() + timedelta(days=181)))
    try:
        session = body(api.login(org.unit_login, factory.PASSWORD))
    finally:
        clock.set_clock(previous)
    assert "password_expired" in [a["code"] for a in session["pending_actions"]]


def test_unit_account_lookup_is_masked(api, org):
    found = api.post("/unit-accounts/lookup", {"credit_code": org.credit_code, **api.captcha()})
    assert found.status_code == 200, found.body
    masked = body(found)["unit_account_masked"]
    assert masked != org.unit_login and masked[:2] == org.unit_login[:2] and "*" in masked
    missing = api.post("/unit-accounts/lookup", {"credit_code": factory.credit_code(), **api.captcha()})
    assert missing.status_code == 404 and body(missing)["error"]["code"] == "credit_code_not_registered"


def test_forgot_password_with_the_registration_facts(api, org):
    facts = {"unit_account": org.unit_login, "credit_code": org.credit_code, "unit_name": org.name,
             "legal_rep": "张三", "new_password": "Found#Again2026"}
    wrong = api.post("/password-resets/by-registration", {**facts, "legal_rep": "李四", **api.captcha()})
    assert wrong.status_code == 400 and body(wrong)["error"]["code"] == "recovery_facts_mismatch"
    ok = api.post("/password-resets/by-registration", {**facts, **api.captcha()})
    assert ok.status_code == 200, ok.body
    assert api.login(org.unit_login, "Found#Again2026").status_code == 201


def test_forgot_password_through_a_bound_operator(api, org):
    op_id, mobile = factory.add_operator(org)
    code = api.sms_code(mobile, "reset_password")
    base = {"unit_account": org.unit_login, "operator_mobile": mobile, "new_password": "Via#Operator2026"}
    wrong_id = api.post("/password-resets/by-operator", {**base, "operator_id_number": "630102198503120099",
                                                         "sms_code": code})
    assert wrong_id.status_code == 400 and body(wrong_id)["error"]["code"] == "recovery_facts_mismatch"
    code = api.sms_code(mobile, "reset_password")
    ok = api.post("/password-resets/by-operator", {**base, "operator_id_number": "630102198503120011",
                                                   "sms_code": code})
    assert ok.status_code == 200, ok.body
    assert api.login(org.unit_login, "Via#Operator2026").status_code == 201
    replay = api.post("/password-resets/by-operator", {**base, "operator_id_number": "630102198503120011",
                                                       "sms_code": code})
    assert replay.status_code == 400 and body(replay)["error"]["code"] == "sms_code_invalid"


def test_sms_for_reset_goes_only_to_known_operators_but_answers_the_same(api, org):
    stranger = factory.mobile()
    sent = api.post("/sms-codes", {"mobile": stranger, "purpose": "reset_password", **api.captcha()})
    assert sent.status_code == 202
    outbox = body(api.get("/dev/outbox/sms?limit=50"))["items"]
    assert not [m for m in outbox if m["mobile"] == stranger], "no SMS to a mobile that is no operator"
