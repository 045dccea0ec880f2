"""Unit-account lookup and the two ways to recover a unit account's password."""
from __future__ import annotations

from chalicelib import clock
from chalicelib.domain.enums import AccountKind, OrgStatus, SmsPurpose
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.identity import rules, validators as v
from chalicelib.schemas.identity import AccountLookup, AccountLookupResult, Done, ResetByFacts, ResetByOperator
from chalicelib.security import codes, passwords
from chalicelib.services.identity import challenges
from chalicelib.services.identity.common import SYSTEM, entry
from chalicelib.services.identity.sessions import _failures, _record_failure, set_password_actions
from chalicelib.store import identity as store
from chalicelib.store.uow import UnitOfWork

MISMATCH = ValidationFailed("填写的信息与注册信息不一致", code="recovery_facts_mismatch")


def _org_by_credit_code(code: str) -> store.OrgItem | None:
    owner = store.claim_owner(store.credit_pk(code))
    org = store.get_org(owner) if owner else None
    return org if org and org.status == OrgStatus.ACTIVE.value else None


def lookup(req: AccountLookup) -> AccountLookupResult:
    """单位账号查询 (Jilin §2.1): masked, behind a captcha."""
    challenges.verify_captcha(req.captcha_id, req.captcha_answer)
    code = v.credit_code(req.credit_code)
    org = _org_by_credit_code(code)
    if org is None:
        raise NotFound("该统一社会信用代码未在本平台注册，请先注册", code="credit_code_not_registered")
    account = store.get_account(org.unit_account_id)
    name = org.name
    return AccountLookupResult(unit_account_masked=v.mask_account(account.login),
                               unit_name_masked=name[:2] + "*" * max(3, len(name) - 4) + name[-2:])


def _reset(account: store.AccountItem, new_password: str, how: str) -> Done:
    new = v.password(new_password, "new_password", identifiers=(account.login,))
    now = clock.now()
    uow = UnitOfWork()
    uow.update(account, set_password_actions(passwords.hash_password(new), now, must_change=False))
    uow.audit(entry(f"account#{account.account_id}", "password_recovered", actor=SYSTEM, actor_org=account.org_id,
                    reason=how, at=now))
    uow.commit()
    return Done(message="密码已重置，请使用新密码登录")


def _guarded(account: store.AccountItem | None, key: str, ok: bool) -> None:
    """Wrong facts count like failed logins: five lock the account for 15 minutes."""
    now = clock.now()
    fail_key = f"account#{account.account_id}" if account else f"recover#{key}"
    item, state = _failures(fail_key)
    rules.ensure_not_locked(state, now)
    if not ok:
        _record_failure(fail_key, item, state, now)
        raise MISMATCH


def reset_by_facts(req: ResetByFacts) -> Done:
    """Way 1 (Jilin §2.2): the unit account plus the registration facts."""
    challenges.verify_captcha(req.captcha_id, req.captcha_answer)
    code = v.credit_code(req.credit_code)
    org = _org_by_credit_code(code)
    account = store.get_account(org.unit_account_id) if org else None
    ok = bool(org and account and v.login_key(account.login) == v.login_key(req.unit_account)
              and org.name == req.unit_name.strip() and (org.legal_rep or "") == req.legal_rep.strip())
    _guarded(account, code, ok)
    return _reset(account, req.new_password, "registration_facts")


def reset_by_operator(req: ResetByOperator) -> Done:
    """Way 2 (Shandong §2.2): unit account + a bound operator's ID number and mobile + SMS code."""
    mobile = v.mobile(req.operator_mobile, "operator_mobile")
    challenges.verify_sms_code(mobile, SmsPurpose.RESET_PASSWORD, req.sms_code)
    owner = store.claim_owner(store.login_pk("name", v.login_key(req.unit_account)))
    account = store.get_account(owner) if owner else None
    if account is not None and account.kind != AccountKind.UNIT.value:
        account = None
    operator_id = store.claim_owner(store.login_pk("mobile", mobile))
    operator = store.get_account(operator_id) if operator_id else None
    member = store.get_member(account.org_id, operator_id) if account and operator_id else None
    ok = bool(account and operator and member and member.status == "bound" and
              codes.matches("id_number", req.operator_id_number.strip().upper(), operator.id_number_digest))
    _guarded(account, req.unit_account.lower(), ok)
    return _reset(account, req.new_password, "operator_verification")
