"""Registration in three steps (Qinghai §二, Jilin §1, Shandong §2.1)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests import factory
from tests.api.conftest import body
from tests.support import atomic_moto_requests

PASSWORD = "Reg#Strong2026"


def unit_info(**over):
    info = {"unit_account": f"acme{factory.mobile()[-6:]}", "password": PASSWORD, "unit_name": "青海测试医疗器械有限公司",
            "credit_code": factory.credit_code(), "kind": "enterprise", "region_code": "630100",
            "legal_rep": "张三", "contact_name": "李四", "contact_phone": "13912345678"}
    info.update(over)
    return info


def operator_info(mobile=None, **over):
    info = {"name": "王五", "id_type": "resident_id", "id_number": factory.resident_id(), "id_valid_start": "2020-01-01",
            "id_valid_end": None, "mobile": mobile or factory.mobile(), "password": "Op#Strong2026"}
    info.update(over)
    return info


def register(api, unit=None, operator=None, **headers):
    unit = unit or unit_info()
    operator = operator or operator_info()
    code = api.sms_code(operator["mobile"], "register")
    return api.post("/registrations", {"unit": unit, "operator": operator, "sms_code": code}, **headers)


def count_claims(prefix: str) -> int:
    from chalicelib.store.tables import MainTable

    return sum(1 for _ in MainTable.query(prefix))


def test_three_steps_end_with_both_logins(api, seeded):
    unit = unit_info()
    check = api.post("/registrations/unit-check", {**unit, **api.captcha()})
    assert check.status_code == 200, check.body
    operator = operator_info()
    done = register(api, unit, operator)
    assert done.status_code == 201, done.body
    result = body(done)
    assert result["unit_account"] == unit["unit_account"] and result["operator_login"] == operator["mobile"]
    assert result["operator_existing"] is False
    unit_session = body(api.login(unit["unit_account"], PASSWORD))
    assert unit_session["scope"] == "org" and unit_session["account_kind"] == "unit"
    assert {"code": "certify_role", "label": "请进行角色认证"} in unit_session["pending_actions"]
    by_code = body(api.login(unit["credit_code"], PASSWORD))
    assert by_code["account_id"] == unit_session["account_id"], "普通登录 with the credit code reaches the unit account"
    op_session = body(api.login(operator["mobile"], operator["password"]))
    assert op_session["scope"] == "org" and op_session["org_id"] == result["org_id"]
    assert op_session["organisations"][0]["procurement_authorized"] is False, "authorization is the unit's decision"


def test_a_credit_code_registers_one_organisation_ever(api, seeded):
    unit = unit_info()
    assert register(api, unit).status_code == 201
    again = register(api, unit_info(credit_code=unit["credit_code"]))
    assert again.status_code == 409, again.body
    assert body(again)["error"] == {**body(again)["error"], "code": "credit_code_taken",
                                    "message": "该统一社会信用代码已被注册过，无法注册"}
    check = api.post("/registrations/unit-check", {**unit_info(credit_code=unit["credit_code"]), **api.captcha()})
    assert check.status_code == 409 and body(check)["error"]["code"] == "credit_code_taken"
    lower = register(api, unit_info(credit_code=unit["credit_code"].lower()))
    assert lower.status_code == 409, "codes are normalised before the uniqueness check"


def test_concurrent_registrations_of_one_code_create_exactly_one_organisation(api, seeded):
    from chalicelib.services.identity import registration
    from chalicelib.schemas.identity import RegistrationRequest

    code = factory.credit_code()
    requests = []
    for i in range(6):
        operator = operator_info()
        sms = api.sms_code(operator["mobile"], "register")
        requests.append(RegistrationRequest.model_validate(
            {"unit": unit_info(credit_code=code, unit_account=f"race{i}{factory.mobile()[-5:]}"),
             "operator": operator, "sms_code": sms}))
    outcomes, barrier = [], threading.Barrier(len(requests))

    def attempt(req):
        barrier.wait()
        try:
            outcomes.append(registration.register(req).org_id)
        except Exception as exc:  # noqa: BLE001 - we count what happened
            outcomes.append(getattr(exc, "code", repr(exc)))

    threads = [threading.Thread(target=attempt, args=(r,)) for r in requests]
    with atomic_moto_requests():
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    winners = [o for o in outcomes if o != "credit_code_taken"]
    assert len(winners) == 1 and outcomes.count("credit_code_taken") == 5, outcomes
    assert count_claims(f"credit#{code}") == 1
    from chalicelib.store.identity import OrgItem

    assert sum(1 for _ in OrgItem.gsi2.query("orgs#kind#enterprise") if _.credit_code == code) == 1


def test_existing_operator_is_bound_with_their_password_not_duplicated(api, seeded):
    operator = operator_info()
    first = body(register(api, operator=operator))
    wrong = register(api, operator={**operator, "password": "Wrong#Pass2026"})
    assert wrong.status_code == 400 and body(wrong)["error"]["code"] == "operator_password_mismatch"
    second = register(api, operator=operator)
    assert second.status_code == 201 and body(second)["operator_existing"] is True
    assert count_claims(f"login#mobile#{operator['mobile']}") == 1
    session = body(api.login(operator["mobile"], operator["password"]))
    assert session["scope"] == "select_org"
    assert {o["org_id"] for o in session["organisations"]} == {first["org_id"], body(second)["org_id"]}


@pytest.mark.parametrize("unit_over,operator_over,field", [
    ({"credit_code": "91630100MA0000007A"}, {}, "unit.credit_code"),
    ({"credit_code": "9163010"}, {}, "unit.credit_code"),
    ({"unit_account": "12345678"}, {}, "unit.unit_account"),
    ({"unit_account": "a" * 40}, {}, "unit.unit_account"),
    ({"password": "short1!"}, {}, "unit.password"),
    ({"password": "alllowercase"}, {}, "unit.password"),
    ({"contact_phone": "12345"}, {}, "unit.contact_phone"),
    ({"region_code": "999999"}, {}, "unit.region_code"),
    ({"kind": "city_bureau"}, {}, "unit.kind"),
    ({"kind": "medical_institution", "region_code": "630000"}, {}, "unit.region_code"),
    ({}, {"id_number": "630102198503120010"}, "operator.id_number"),
    ({}, {"id_number": "630102209901010013"}, "operator.id_number"),
    ({}, {"mobile": "23800000000"}, "operator.mobile"),
    ({}, {"id_valid_start": "2024-01-01", "id_valid_end": "2023-01-01"}, "operator.id_valid_end"),
    ({}, {"id_valid_start": "2010-01-01", "id_valid_end": "2015-01-01"}, "operator.id_valid_end"),
    ({}, {"name": "<script>"}, "operator.name"),
])
def test_bad_fields_are_named_and_nothing_is_created(api, seeded, unit_over, operator_over, field):
    unit, operator = unit_info(**unit_over), operator_info(**operator_over)
    code = api.sms_code(operator["mobile"], "register") if operator_over.get("mobile") is None else "000000"
    response = api.post("/registrations", {"unit": unit, "operator": operator, "sms_code": code})
    assert response.status_code == 400, response.body
    fields = [d["field"] for d in body(response)["error"]["details"]]
    assert field in fields, (field, fields)
    assert count_claims(f"login#name#{unit['unit_account'].lower()}") == 0, "half-created: unit login claimed"
    assert count_claims(f"credit#{unit['credit_code'].upper()}") == 0, "half-created: credit code claimed"


def test_every_bad_field_is_reported_at_once(api, seeded):
    response = api.post("/registrations", {"unit": unit_info(credit_code="X", contact_phone="1"),
                                           "operator": operator_info(mobile="2"), "sms_code": "1"})
    fields = {d["field"] for d in body(response)["error"]["details"]}
    assert {"unit.credit_code", "unit.contact_phone", "operator.mobile"} <= fields, fields


def test_future_birth_date_is_refused(api, seeded, monkeypatch):
    from chalicelib.domain.identity.validators import resident_id_check_digit

    body17 = "63010220991231001"
    response = api.post("/registrations", {"unit": unit_info(), "sms_code": "123456",
                                           "operator": operator_info(id_number=body17 + resident_id_check_digit(body17))})
    details = body(response)["error"]["details"]
    assert any(d["field"] == "operator.id_number" for d in details), details


def test_sms_code_is_one_time_and_expires(api, seeded):

    from chalicelib import clock

    operator = operator_info()
    code = api.sms_code(operator["mobile"], "register")
    wrong = api.post("/registrations", {"unit": unit_info(), "operator": operator, "sms_code": "000000"
                                        if code != "000000" else "111111"})
    assert wrong.status_code == 400 and body(wrong)["error"]["code"] == "sms_code_invalid"
    ok = api.post("/registrations", {"unit": unit_info(), "operator": operator, "sms_code": code})
    assert ok.status_code == 201, ok.body
    replay = api.post("/registrations", {"unit": unit_info(), "operator": {**operator, "mobile": operator["mobile"]},
                                         "sms_code": code})
    assert replay.status_code == 400 and body(replay)["error"]["code"] == "sms_code_invalid"
    other = operator_info()
    late_code = api.sms_code(other["mobile"], "register")
    frozen = clock.FixedClock(clock.now() + timedelta(minutes=6))
    previous = clock.set_clock(frozen)
    try:
        late = api.post("/registrations", {"unit": unit_info(), "operator": other, "sms_code": late_code})
    finally:
        clock.set_clock(previous)
    assert late.status_code == 400 and body(late)["error"]["code"] == "sms_code_invalid", late.body


def test_sms_resend_is_throttled_per_mobile(api, seeded):
    mobile = factory.mobile()
    first = api.post("/sms-codes", {"mobile": mobile, "purpose": "register", **api.captcha()})
    assert first.status_code == 202
    again = api.post("/sms-codes", {"mobile": mobile, "purpose": "register", **api.captcha()})
    assert again.status_code == 429 and body(again)["error"]["code"] == "sms_too_frequent"
    assert int(again.headers["Retry-After"]) > 0


def test_sms_daily_limit(api, seeded):

    from chalicelib import clock

    mobile = factory.mobile()
    frozen = clock.FixedClock(clock.now().replace(hour=1))
    previous = clock.set_clock(frozen)
    try:
        for _ in range(10):
            assert api.post("/sms-codes", {"mobile": mobile, "purpose": "register", **api.captcha()}).status_code == 202
            frozen.advance(seconds=61)
        over = api.post("/sms-codes", {"mobile": mobile, "purpose": "register", **api.captcha()})
        assert over.status_code == 429 and body(over)["error"]["code"] == "sms_daily_limit"
        frozen.advance(days=1)
        assert api.post("/sms-codes", {"mobile": mobile, "purpose": "register", **api.captcha()}).status_code == 202
    finally:
        clock.set_clock(previous)


def test_captcha_is_one_time_and_hashed(api, seeded):
    from chalicelib.store.identity import CaptchaItem

    captcha = api.captcha()
    stored = CaptchaItem.get(f"captcha#{captcha['captcha_id']}", "captcha")
    assert captcha["captcha_answer"] not in stored.answer_digest and len(stored.answer_digest) == 64
    first = api.post("/sms-codes", {"mobile": factory.mobile(), "purpose": "register", **captcha})
    assert first.status_code == 202
    replay = api.post("/sms-codes", {"mobile": factory.mobile(), "purpose": "register", **captcha})
    assert replay.status_code == 400 and body(replay)["error"]["code"] == "captcha_invalid"
    wrong = api.captcha()
    bad = api.post("/sms-codes", {"mobile": factory.mobile(), "purpose": "register", **wrong,
                                  "captcha_answer": "ZZZZZ" if wrong["captcha_answer"] != "ZZZZZ" else "YYYYY"})
    assert bad.status_code == 400
    again = api.post("/sms-codes", {"mobile": factory.mobile(), "purpose": "register", **wrong})
    assert again.status_code == 400, "a wrong guess consumes the captcha"


def test_captcha_is_a_png_image(api):
    import base64

    image = body(api.post("/captchas"))["image"]
    assert image.startswith("data:image/png;base64,")
    assert base64.b64decode(image.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_registration_retry_with_idempotency_key_replays(api, seeded):
    operator = operator_info()
    code = api.sms_code(operator["mobile"], "register")
    payload = {"unit": unit_info(), "operator": operator, "sms_code": code}
    first = api.post("/registrations", payload, **{"Idempotency-Key": "register-attempt-1"})
    again = api.post("/registrations", payload, **{"Idempotency-Key": "register-attempt-1"})
    assert first.status_code == again.status_code == 201
    assert body(first) == body(again) and again.headers.get("Idempotent-Replayed") == "true"


def test_registration_is_audited(api, seeded):
    from chalicelib.store import audit

    result = body(register(api))
    actions = [e["action"] for e in audit.history(f"org#{result['org_id']}", limit=10, cursor=None,
                                                   newest_first=False).items]
    assert sorted(actions) == ["operator_bound", "organisation_registered"], actions
