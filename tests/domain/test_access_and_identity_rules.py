from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import access
from chalicelib.domain.access import Principal, business, check, supervises
from chalicelib.domain.enums import AccountKind, ActorKind, PendingAction, Permission, ProcurementStatus, UnitRole
from chalicelib.domain.errors import Conflict, Forbidden, RateLimited, Unauthenticated, ValidationFailed
from chalicelib.domain.identity import rules

NOW = datetime(2026, 11, 25, 8, tzinfo=timezone.utc)


def principal(**over):
    base = dict(account_id="a", account_kind=AccountKind.OPERATOR, login="13800000000", org_id="o",
                org_kind=ActorKind.ENTERPRISE, org_region="630100", certified_role=UnitRole.MANUFACTURER,
                procurement_status=ProcurementStatus.ASSOCIATED, procurement_authorized=True,
                permissions=frozenset({Permission.DECLARATION}))
    base.update(over)
    return Principal(**base)


def code_of(rule, who):
    with pytest.raises((Forbidden, Unauthenticated)) as caught:
        check(rule, who)
    return caught.value.code


def test_public_needs_nobody():
    check(access.PUBLIC, None)


def test_protected_needs_a_principal():
    assert code_of(access.ANY_ORG_ACCOUNT, None) == "unauthenticated"


RULE = business(Permission.DECLARATION, actors=frozenset({ActorKind.ENTERPRISE}),
                roles=frozenset({UnitRole.MANUFACTURER}), entered=True)


def test_a_fully_qualified_operator_passes():
    check(RULE, principal())
    check(RULE, principal(account_kind=AccountKind.SUB_ACCOUNT, procurement_authorized=False))


@pytest.mark.parametrize("over,code", [
    ({"account_kind": AccountKind.UNIT}, "unit_account_no_business"),
    ({"procurement_authorized": False}, "procurement_authorization_required"),
    ({"org_kind": ActorKind.MEDICAL_INSTITUTION}, "actor_forbidden"),
    ({"certified_role": UnitRole.AGENT}, "role_required"),
    ({"certified_role": None}, "role_required"),
    ({"procurement_status": ProcurementStatus.PENDING_REVIEW}, "procurement_entry_required"),
    ({"permissions": frozenset()}, "permission_required"),
    ({"scope": "select_org"}, "organisation_not_selected"),
    ({"scope": "password_change"}, "password_change_required"),
])
def test_each_missing_fact_has_its_own_refusal(over, code):
    assert code_of(RULE, principal(**over)) == code


def test_unit_admin_routes_refuse_operators():
    assert code_of(access.UNIT_ADMIN, principal()) == "account_kind_forbidden"
    check(access.UNIT_ADMIN, principal(account_kind=AccountKind.UNIT))


def test_signed_in_accepts_every_scope():
    for scope in ("org", "select_org", "password_change"):
        check(access.SIGNED_IN, principal(scope=scope))


def test_supervision_by_region():
    assert supervises(ActorKind.CITY_BUREAU, "630100", "630100")
    assert not supervises(ActorKind.CITY_BUREAU, "630100", "630200")
    assert supervises(ActorKind.PROVINCE_BUREAU, "630000", "630200")
    assert not supervises(ActorKind.PROVINCE_BUREAU, "630000", "220100")
    assert not supervises(ActorKind.ENTERPRISE, "630100", "630100")
    assert not supervises(ActorKind.CITY_BUREAU, None, "630100")


def test_every_actor_kind_has_grantable_permissions():
    assert set(access.PERMISSIONS_BY_ACTOR) == set(ActorKind)


@pytest.mark.parametrize("value,kind", [
    ("13800000000", "mobile"), ("unit_Name", "name"), ("91110000600037341L", "credit_code"),
    ("91110000600037341l", "credit_code"), ("91110000600037341A", "name"), ("  acme  ", "name"),
])
def test_login_identifiers(value, kind):
    assert rules.classify_login(value)[0] == kind


def test_login_identifier_must_be_present():
    for bad in ("", "   ", "x" * 65):
        with pytest.raises(ValidationFailed):
            rules.classify_login(bad)


def cert(kind, current, requested, national=True, basic=True):
    rules.check_certification(kind, current, requested, in_national_registry=national, has_basic_info=basic)


def test_certification_rules():
    cert(ActorKind.ENTERPRISE, None, UnitRole.AGENT, national=False, basic=False)
    cert(ActorKind.MEDICAL_INSTITUTION, None, UnitRole.MEDICAL_INSTITUTION)
    with pytest.raises(Conflict, match="只能认证一种"):
        cert(ActorKind.ENTERPRISE, UnitRole.AGENT, UnitRole.MANUFACTURER)
    with pytest.raises(ValidationFailed):
        cert(ActorKind.MEDICAL_INSTITUTION, None, UnitRole.MANUFACTURER)
    with pytest.raises(ValidationFailed):
        cert(ActorKind.CITY_BUREAU, None, UnitRole.MEDICAL_INSTITUTION)
    for role in rules.DISTRIBUTOR_ROLES:
        with pytest.raises(Conflict) as caught:
            cert(ActorKind.ENTERPRISE, None, role, basic=False)
        assert caught.value.code == "basic_info_required"
    for kind, role in ((ActorKind.ENTERPRISE, UnitRole.MANUFACTURER),
                       (ActorKind.MEDICAL_INSTITUTION, UnitRole.MEDICAL_INSTITUTION)):
        with pytest.raises(Conflict) as caught:
            cert(kind, None, role, national=False)
        assert caught.value.code == "national_code_missing" and "code.nhsa.gov.cn" in caught.value.message


def facts(**over):
    base = dict(must_change_password=False, password_changed_at=NOW, org_kind=ActorKind.ENTERPRISE,
                certified_role=UnitRole.AGENT, procurement_status=ProcurementStatus.ASSOCIATED)
    base.update(over)
    return rules.LoginFacts(**base)


def test_pending_actions():
    assert rules.pending_actions(facts(), NOW) == []
    assert rules.pending_actions(facts(must_change_password=True), NOW) == [PendingAction.CHANGE_PASSWORD]
    old = facts(password_changed_at=NOW - timedelta(days=181))
    assert rules.pending_actions(old, NOW) == [PendingAction.PASSWORD_EXPIRED]
    assert rules.pending_actions(facts(certified_role=None), NOW) == [PendingAction.CERTIFY_ROLE]
    assert rules.pending_actions(facts(procurement_status=ProcurementStatus.REJECTED), NOW) == \
        [PendingAction.ENTER_PROCUREMENT]
    assert rules.pending_actions(facts(org_kind=ActorKind.CITY_BUREAU, certified_role=None), NOW) == []


def test_pending_procurement_authorization():
    """Registration grants no 招采授权: the unit account is asked to grant it, the operator to wait for it."""
    grant, wait = PendingAction.GRANT_PROCUREMENT_AUTHORIZATION, PendingAction.AWAIT_PROCUREMENT_AUTHORIZATION
    assert rules.pending_actions(facts(operator_authorizations=(False,)), NOW) == [grant]
    assert rules.pending_actions(facts(operator_authorizations=(False, False)), NOW) == [grant]
    assert rules.pending_actions(facts(operator_authorizations=(False, True)), NOW) == [], \
        "one authorised operator can do business: nothing is pending"
    assert rules.pending_actions(facts(operator_authorizations=()), NOW) == [], "no operator yet: nothing to grant"
    assert rules.pending_actions(facts(operator_authorized=False), NOW) == [wait]
    assert rules.pending_actions(facts(operator_authorized=True), NOW) == []
    assert rules.pending_actions(facts(certified_role=None, operator_authorizations=(False,)), NOW) == \
        [PendingAction.CERTIFY_ROLE, grant]


def test_lockout_counts_five_then_locks_then_forgets():
    state = None
    for _ in range(4):
        state = rules.after_failure(state, NOW)
        rules.ensure_not_locked(state, NOW)
    state = rules.after_failure(state, NOW)
    assert state.locked_until == NOW + rules.LOCK_DURATION
    with pytest.raises(RateLimited) as caught:
        rules.ensure_not_locked(state, NOW + timedelta(minutes=14))
    assert caught.value.retry_after_s == 61
    later = NOW + timedelta(minutes=16)
    rules.ensure_not_locked(state, later)
    assert rules.after_failure(state, later).failures == 1, "an expired lock starts a fresh count"


def test_sms_quota():
    rules.check_sms_quota(0, None, NOW)
    with pytest.raises(RateLimited) as caught:
        rules.check_sms_quota(1, NOW - timedelta(seconds=30), NOW)
    assert caught.value.code == "sms_too_frequent" and caught.value.retry_after_s == 31
    with pytest.raises(RateLimited) as caught:
        rules.check_sms_quota(rules.SMS_DAILY_LIMIT, NOW - timedelta(hours=1), NOW)
    assert caught.value.code == "sms_daily_limit"


def test_procurement_entry_decision_and_reviewer():
    assert rules.entry_decision(ActorKind.ENTERPRISE, "甲公司", "甲公司") is ProcurementStatus.ASSOCIATED
    assert rules.entry_decision(ActorKind.ENTERPRISE, "甲公司", "甲公司（旧名）") is ProcurementStatus.NOT_ENTERED
    assert rules.entry_decision(ActorKind.ENTERPRISE, "甲公司", None) is ProcurementStatus.NOT_ENTERED
    assert rules.entry_decision(ActorKind.MEDICAL_INSTITUTION, "医院", "医院") is ProcurementStatus.NOT_ENTERED
    assert rules.reviewer_scope(ActorKind.ENTERPRISE, "630100") == "center"
    assert rules.reviewer_scope(ActorKind.PHARMACY, "630100") == "city#630100"
