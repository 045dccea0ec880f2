"""Role certification (角色认证) and entering the procurement subsystem (招采账号关联 /
招采系统新机构注册 and its review, 注册进度查询) over HTTP."""
from __future__ import annotations

import pytest

from chalicelib.domain.enums import ActorKind, UnitRole
from tests import factory
from tests.api.conftest import assert_error, assert_ok, body, pending

REVIEWS = "/reviews/procurement-registrations"
DISTRIBUTOR_ROLES = ["distributor", "manufacturer_distributor", "agent_distributor",
                     "manufacturer_agent_distributor"]


# -- helpers -------------------------------------------------------------------







def registry_entry(registry: str, code: str, name: str, kind: str | None = None) -> None:
    from chalicelib import clock
    from chalicelib.store.identity import RegistryItem

    RegistryItem(pk=f"registry#{registry}#{code}", sk="entry", credit_code=code, name=name, kind=kind,
                 national_code="C" + code[-11:] if registry == "national_code" else None,
                 imported_at=clock.now().isoformat()).save()


def org_state(api, org) -> dict:
    return assert_ok(api.get("/org", token=factory.unit_token(org)), "GET /org")


def certify(api, org, role: str):
    return api.post("/org/certification", {"role": role}, token=factory.unit_token(org))


def file(api, org, mobile: str | None = None, **over):
    data = {"contact_name": "刘授权", "contact_mobile": mobile or factory.mobile(), "remarks": "首次注册"}
    data.update(over)
    if "attachment_file_ids" not in data:
        data["attachment_file_ids"] = [factory.verified_pdf(org, org.unit_account_id)]
    return api.post("/org/procurement-registration", data, token=factory.unit_token(org))


def queue(api, token: str, status: str = "pending_review") -> list[str]:
    page = assert_ok(api.get(f"{REVIEWS}?status={status}&limit=100", token=token), f"the {status} review queue")
    return [item["org_id"] for item in page["items"]]


def decide(api, token: str, org, decision: str, reason: str | None = None):
    payload = {"decision": decision} if reason is None else {"decision": decision, "reason": reason}
    return api.post(f"{REVIEWS}/{org.org_id}/decision", payload, token=token)


def center_reviewer():
    platform = factory.make_org(ActorKind.PLATFORM, "630000")
    return platform, factory.operator_token(platform)


# -- role certification --------------------------------------------------------

def test_one_role_per_organisation_and_pending_actions_follow(api, aws):
    org = factory.make_org()
    before = assert_ok(api.login(org.unit_login, factory.PASSWORD), "unit login", 201)
    assert "certify_role" in pending(before) and "enter_procurement" not in pending(before), before
    operator = factory.add_operator(org)[1]
    op_session = assert_ok(api.login(operator, factory.PASSWORD), "operator login", 201)
    assert "certify_role" in pending(op_session), "the operator sees the organisation's pending certification"

    certified = assert_ok(certify(api, org, "agent"), "certifying as agent (no national code needed)")
    assert certified["certified_role"] == "agent" and certified["certified_role_label"] == "代理企业", certified
    assert certified["procurement_status"] == "not_entered", certified

    second = certify(api, org, "manufacturer")
    error = assert_error(second, 409, "role_already_certified", "a second certification")
    assert "代理企业" in error["message"], f"the message names the current role: {error}"
    registry_entry("national_code", org.credit_code, org.name)
    assert_error(certify(api, org, "manufacturer"), 409, "role_already_certified",
                 "a second certification, even when the first requirements would now be met")
    assert org_state(api, org)["certified_role"] == "agent", "a refused certification changed the role"

    after = assert_ok(api.login(org.unit_login, factory.PASSWORD), "unit login after certification", 201)
    assert "certify_role" not in pending(after) and "enter_procurement" in pending(after), after["pending_actions"]


def test_the_role_must_fit_the_kind(api, aws):
    hospital = factory.make_org(ActorKind.MEDICAL_INSTITUTION)
    registry_entry("national_code", hospital.credit_code, hospital.name)
    error = assert_error(certify(api, hospital, "manufacturer"), 400, "role_not_applicable",
                         "a hospital certifying as a manufacturer")
    assert error["details"][0]["field"] == "role", error
    enterprise = factory.make_org()
    assert_error(certify(api, enterprise, "medical_institution"), 400, "role_not_applicable",
                 "an enterprise certifying as a medical institution")
    pharmacy = factory.make_org(ActorKind.PHARMACY)
    assert_error(certify(api, pharmacy, "agent"), 400, "role_not_applicable", "a pharmacy certifying as an agent")
    city = factory.make_org(ActorKind.CITY_BUREAU)
    assert_error(certify(api, city, "agent"), 400, "role_not_applicable", "a city bureau certifying at all")
    for org in (hospital, enterprise, pharmacy, city):
        assert org_state(api, org)["certified_role"] is None, f"a refused certification left a role on {org.kind}"
    assert_error(certify(api, enterprise, "president"), 400, "validation_failed", "an unknown role")

    assert assert_ok(certify(api, hospital, "medical_institution"), "the hospital as a medical institution")[
        "certified_role"] == "medical_institution"
    assert assert_ok(certify(api, pharmacy, "pharmacy"), "a pharmacy (no national code needed)")[
        "certified_role"] == "pharmacy"


def test_a_hospital_needs_a_national_code_too(api, aws):
    hospital = factory.make_org(ActorKind.MEDICAL_INSTITUTION)
    assert_error(certify(api, hospital, "medical_institution"), 409, "national_code_missing",
                 "a hospital without a national code")
    assert org_state(api, hospital)["certified_role"] is None


@pytest.mark.parametrize("role", DISTRIBUTOR_ROLES)
def test_distributor_roles_need_enterprise_basic_info(api, aws, role):
    org = factory.make_org()
    registry_entry("national_code", org.credit_code, org.name)  # so only the basic info is missing
    error = assert_error(certify(api, org, role), 409, "basic_info_required", f"certifying as {role}")
    assert "企业基本信息" in error["message"], error
    assert org_state(api, org)["certified_role"] is None, f"{role} was certified without basic info"


def test_a_manufacturer_needs_a_national_code(api, aws):
    org = factory.make_org(name="青海无编码器械有限公司")
    error = assert_error(certify(api, org, "manufacturer"), 409, "national_code_missing",
                         "a manufacturer without a national registry entry")
    assert "申请编码" in error["message"] and "code.nhsa.gov.cn" in error["message"], \
        f"the message must tell where to apply for a national code: {error['message']}"
    assert org_state(api, org)["certified_role"] is None
    registry_entry("national_code", factory.credit_code(), org.name)  # someone else's code, same name
    assert_error(certify(api, org, "manufacturer"), 409, "national_code_missing", "an entry under another code")
    registry_entry("legacy", org.credit_code, org.name)
    assert_error(certify(api, org, "manufacturer"), 409, "national_code_missing", "only a legacy registry entry")

    registry_entry("national_code", org.credit_code, org.name)
    done = assert_ok(certify(api, org, "manufacturer"), "a manufacturer with a national code")
    assert done["certified_role"] == "manufacturer" and done["certified_role_label"] == "生产企业", done
    assert org_state(api, org)["certified_role"] == "manufacturer"


def test_certification_is_for_the_unit_account(api, aws):
    org = factory.make_org()
    token = factory.operator_token(org)
    assert_error(api.post("/org/certification", {"role": "agent"}, token=token), 403, "account_kind_forbidden",
                 "an operator certifying")
    assert org_state(api, org)["certified_role"] is None


# -- procurement entry ---------------------------------------------------------

def test_an_enterprise_matching_the_legacy_registry_is_associated_at_once(api, aws):
    org = factory.make_org(role=UnitRole.AGENT, name="青海老牌医药有限公司")
    registry_entry("legacy", org.credit_code, "青海老牌医药有限公司")
    entered = assert_ok(api.post("/org/procurement-entry", {}, token=factory.unit_token(org)), "entering")
    assert entered["procurement_status"] == "associated" and entered["procurement_status_label"] == "已关联", entered
    session = assert_ok(api.login(org.unit_login, factory.PASSWORD), "login", 201)
    assert "enter_procurement" not in pending(session) and "certify_role" not in pending(session), session
    again = assert_ok(api.post("/org/procurement-entry", {}, token=factory.unit_token(org)), "entering twice")
    assert again["procurement_status"] == "associated", again
    assert_error(file(api, org), 409, "already_entered", "filing a registration once associated")
    assert_error(api.get("/org/procurement-registration", token=factory.unit_token(org)), 404,
                 "registration_not_found", "no registration was filed")


def test_entry_needs_a_certified_role_first(api, aws):
    org = factory.make_org(name="未认证医药有限公司")
    registry_entry("legacy", org.credit_code, org.name)
    assert_error(api.post("/org/procurement-entry", {}, token=factory.unit_token(org)), 409, "certify_role_first",
                 "entering before certification")
    assert_error(file(api, org), 409, "certify_role_first", "filing before certification")
    assert org_state(api, org)["procurement_status"] == "not_entered"


def test_a_different_name_needs_a_registration_reviewed_by_the_center(api, aws):
    org = factory.make_org(role=UnitRole.AGENT, name="青海新名医药有限公司")
    registry_entry("legacy", org.credit_code, "青海旧名医药有限公司")
    unit = factory.unit_token(org)
    error = assert_error(api.post("/org/procurement-entry", {}, token=unit), 409, "registration_required",
                         "same credit code, different name")
    assert "注册" in error["message"], error
    assert org_state(api, org)["procurement_status"] == "not_entered", "a refused entry changed the status"
    unlisted = factory.make_org(role=UnitRole.AGENT)
    assert_error(api.post("/org/procurement-entry", {}, token=factory.unit_token(unlisted)), 409,
                 "registration_required", "a credit code absent from the legacy registry")

    assert_error(file(api, org, contact_name="1"), 400, "malformed", "a malformed contact name")
    assert_error(file(api, org, mobile="12345"), 400, "malformed", "a malformed contact mobile")
    assert org_state(api, org)["procurement_status"] == "not_entered", "a refused filing changed the status"

    mobile = factory.mobile()
    filed = assert_ok(file(api, org, mobile), "filing the registration", 201)
    assert filed["status"] == "pending_review" and filed["reviewer"] == "center", filed
    assert filed["org_id"] == org.org_id and filed["credit_code"] == org.credit_code, filed
    assert filed["contact_mobile_masked"] == mobile[:3] + "****" + mobile[-4:], filed
    assert mobile not in str(filed), "the full contact mobile is exposed"
    assert org_state(api, org)["procurement_status"] == "pending_review"
    assert assert_ok(api.get("/org/procurement-registration", token=unit), "own registration")["status"] == \
        "pending_review"
    assert_error(file(api, org), 409, "registration_pending", "filing twice")
    assert assert_ok(api.post("/org/procurement-entry", {}, token=unit), "entry while pending")[
        "procurement_status"] == "pending_review", "entering while pending just reports the status"

    platform, reviewer = center_reviewer()
    assert org.org_id in queue(api, reviewer), "the center does not see the enterprise's registration"
    assert org.org_id not in queue(api, reviewer, "approved")
    assert_error(decide(api, reviewer, org, "reject"), 400, "reason_required", "rejecting without a reason")
    assert_error(decide(api, reviewer, org, "reject", "   "), 400, "reason_required", "rejecting with a blank reason")
    assert_error(decide(api, reviewer, org, "maybe"), 400, "validation_failed", "an unknown decision")
    assert org_state(api, org)["procurement_status"] == "pending_review", "a refused decision changed the org"
    assert org.org_id in queue(api, reviewer), "a refused decision took the registration off the queue"

    approved = assert_ok(decide(api, reviewer, org, "approve"), "approving")
    assert approved["status"] == "approved" and approved["decided_at"] and approved["reason"] is None, approved
    state = org_state(api, org)
    assert state["procurement_status"] == "approved" and state["procurement_status_label"] == "审核通过", state
    assert org.org_id not in queue(api, reviewer) and org.org_id in queue(api, reviewer, "approved")
    assert_error(decide(api, reviewer, org, "approve"), 409, "already_decided", "approving twice")
    assert_error(decide(api, reviewer, org, "reject", "改主意"), 409, "already_decided", "rejecting after approval")
    assert org_state(api, org)["procurement_status"] == "approved"
    session = assert_ok(api.login(org.unit_login, factory.PASSWORD), "login", 201)
    assert "enter_procurement" not in pending(session), session


def test_a_rejected_registration_can_be_filed_again(api, aws):
    org = factory.make_org(role=UnitRole.AGENT)
    platform, reviewer = center_reviewer()
    assert_ok(file(api, org), "filing", 201)
    rejected = assert_ok(decide(api, reviewer, org, "reject", "材料不全"), "rejecting")
    assert rejected["status"] == "rejected" and rejected["reason"] == "材料不全", rejected
    assert org_state(api, org)["procurement_status"] == "rejected"
    assert org.org_id in queue(api, reviewer, "rejected") and org.org_id not in queue(api, reviewer)
    session = assert_ok(api.login(org.unit_login, factory.PASSWORD), "login after rejection", 201)
    assert "enter_procurement" in pending(session), "a rejected organisation is asked to enter again"
    assert assert_ok(api.get("/org/procurement-registration", token=factory.unit_token(org)), "own")[
        "reason"] == "材料不全"
    assert_error(decide(api, reviewer, org, "approve"), 409, "already_decided", "approving a rejected registration")

    refiled = assert_ok(file(api, org, remarks="已补全材料"), "filing again after rejection", 201)
    assert refiled["status"] == "pending_review" and refiled["reason"] is None and refiled["decided_at"] is None, refiled
    assert refiled["remarks"] == "已补全材料", refiled
    assert org.org_id in queue(api, reviewer) and org.org_id not in queue(api, reviewer, "rejected"), \
        "the refiled registration is not back on the pending queue only"
    assert org_state(api, org)["procurement_status"] == "pending_review"
    assert assert_ok(decide(api, reviewer, org, "approve"), "approving the refiling")["status"] == "approved"
    assert org_state(api, org)["procurement_status"] == "approved"


def test_an_institution_always_goes_to_its_city_bureau(api, aws):
    hospital = factory.make_org(ActorKind.MEDICAL_INSTITUTION, "630100", role=UnitRole.MEDICAL_INSTITUTION,
                                name="西宁测试医院")
    registry_entry("legacy", hospital.credit_code, "西宁测试医院")
    assert_error(api.post("/org/procurement-entry", {}, token=factory.unit_token(hospital)), 409,
                 "registration_required", "an institution with an exact legacy match")
    assert org_state(api, hospital)["procurement_status"] == "not_entered"
    filed = assert_ok(file(api, hospital), "the hospital's registration", 201)
    assert filed["reviewer"] == "city#630100", filed

    platform, center = center_reviewer()
    assert hospital.org_id not in queue(api, center), "the center sees an institution's registration"
    assert_error(decide(api, center, hospital, "approve"), 404, "registration_not_found",
                 "the center deciding an institution's registration")
    other_city = factory.make_org(ActorKind.CITY_BUREAU, "630200")
    other_token = factory.operator_token(other_city)
    assert hospital.org_id not in queue(api, other_token), "another city's bureau sees the registration"
    assert_error(decide(api, other_token, hospital, "approve"), 404, "registration_not_found",
                 "another city's bureau deciding")
    assert org_state(api, hospital)["procurement_status"] == "pending_review", "a refused decision changed the org"

    city = factory.make_org(ActorKind.CITY_BUREAU, "630100")
    city_token = factory.operator_token(city)
    assert hospital.org_id in queue(api, city_token), "the city bureau does not see its institution"
    assert assert_ok(decide(api, city_token, hospital, "approve"), "the city approving")["status"] == "approved"
    assert org_state(api, hospital)["procurement_status"] == "approved"


def test_only_reviewers_see_the_review_queue(api, aws):
    org = factory.make_org(role=UnitRole.AGENT)
    assert_error(api.get(REVIEWS, token=factory.operator_token(org)), 403, "actor_forbidden",
                 "an enterprise operator on the review queue")
    platform = factory.make_org(ActorKind.PLATFORM, "630000")
    assert_error(api.get(REVIEWS, token=factory.unit_token(platform)), 403, "unit_account_no_business",
                 "the platform's unit account on the review queue")
    province = factory.make_org(ActorKind.PROVINCE_BUREAU, "630000")
    assert_error(api.get(REVIEWS, token=factory.operator_token(province)), 403, "actor_forbidden",
                 "a province bureau on the review queue")


def test_the_review_queue_pages(api, aws):
    platform, reviewer = center_reviewer()
    filed = set()
    for _ in range(3):
        org = factory.make_org(role=UnitRole.AGENT)
        assert_ok(file(api, org), "filing", 201)
        filed.add(org.org_id)
    seen, cursor, pages = [], None, 0
    while True:
        url = f"{REVIEWS}?limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = assert_ok(api.get(url, token=reviewer), url)
        seen += [i["org_id"] for i in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(filed) and pages == 3, (seen, pages)


# -- progress lookup -------------------------------------------------------------

def test_progress_is_looked_up_with_the_contact_mobile_and_an_sms_code(api, aws):
    org = factory.make_org(role=UnitRole.AGENT, name="查询进度医药有限公司")
    mobile = factory.mobile()
    assert_ok(file(api, org, mobile), "filing", 201)

    code = api.sms_code(mobile, "progress_lookup")
    wrong = "000000" if code != "000000" else "111111"
    error = assert_error(api.post("/procurement-registrations/progress", {"mobile": mobile, "sms_code": wrong}), 400,
                         "sms_code_invalid", "a wrong SMS code")
    assert error["details"][0]["field"] == "sms_code", error

    found = assert_ok(api.post("/procurement-registrations/progress", {"mobile": mobile, "sms_code": code}),
                      "the lookup with the right code (after one wrong try)")
    assert [i["org_id"] for i in found["items"]] == [org.org_id], found
    item = found["items"][0]
    assert item["status"] == "pending_review" and item["org_name"] == "查询进度医药有限公司", item
    assert item["contact_mobile_masked"] == f"{mobile[:3]}****{mobile[-4:]}", item
    assert mobile not in str(found), "the full mobile is in the progress answer"

    assert_error(api.post("/procurement-registrations/progress", {"mobile": mobile, "sms_code": code}), 400,
                 "sms_code_invalid", "replaying a used code")
    other = factory.mobile()
    other_code = api.sms_code(other, "progress_lookup")
    assert_error(api.post("/procurement-registrations/progress", {"mobile": mobile, "sms_code": other_code}), 400,
                 "sms_code_invalid", "another mobile's code")
    empty = assert_ok(api.post("/procurement-registrations/progress", {"mobile": other, "sms_code": other_code}),
                      "a mobile without registrations")
    assert empty["items"] == [], empty


def test_a_code_for_another_purpose_does_not_open_the_progress(api, aws):
    org = factory.make_org(role=UnitRole.AGENT)
    mobile = factory.mobile()
    assert_ok(file(api, org, mobile), "filing", 201)
    code = api.sms_code(mobile, "register")
    assert_error(api.post("/procurement-registrations/progress", {"mobile": mobile, "sms_code": code}), 400,
                 "sms_code_invalid", "a registration code used for the progress lookup")


def test_the_registration_needs_verified_attachments_of_the_organisation(api, aws):
    from chalicelib.domain.enums import ActorKind, UnitRole

    org = factory.make_org(ActorKind.MEDICAL_INSTITUTION, "630100", role=UnitRole.MEDICAL_INSTITUTION)
    other = factory.make_org(role=UnitRole.AGENT)
    assert_error(file(api, org, attachment_file_ids=[]), 400, "validation_failed", "no attachment")
    foreign = factory.verified_pdf(other, other.unit_account_id)
    refused = file(api, org, attachment_file_ids=[foreign])
    assert_error(refused, 400, "file_not_found", "another organisation's file")
    assert body(refused)["error"]["details"][0]["field"] == "attachment_file_ids.0"
    mine = factory.verified_pdf(org, org.unit_account_id)
    filed = assert_ok(file(api, org, attachment_file_ids=[mine]), "file with an attachment", 201)
    assert filed["attachment_file_ids"] == [mine]
