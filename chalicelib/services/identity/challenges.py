"""Graphic captchas and SMS codes: one-time, short-lived, stored hashed."""
from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from chalicelib import aws, clock, notify
from chalicelib.domain.enums import SmsPurpose
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.identity import rules
from chalicelib.security import codes
from chalicelib.security.captcha_image import render_png
from chalicelib.services.identity.common import new_id
from chalicelib.store.identity import CaptchaItem, SmsCodeItem, SmsQuotaItem

CAPTCHA_TTL = timedelta(minutes=2)


def issue_captcha() -> dict:
    now = clock.now()
    captcha_id, text = new_id(), codes.captcha_text()
    expires = now + CAPTCHA_TTL
    CaptchaItem(pk=f"captcha#{captcha_id}", sk="captcha", answer_digest=codes.digest("captcha", text),
                expires_on=expires.isoformat(), expires_at=expires).save()
    if notify.outbox_enabled():  # dev stages only: lets scripts and tests solve it
        from chalicelib.store.identity import OutboxItem

        OutboxItem(pk=f"outbox#captcha#{captcha_id}", sk="answer", mobile="", purpose="captcha", message=text,
                   sent_at=now.isoformat(), expires_at=expires).save()
    return {"captcha_id": captcha_id, "image": render_png(text), "expires_at": expires.isoformat()}


def verify_captcha(captcha_id: str, answer: str) -> None:
    """Consumes the captcha whatever the answer: one guess per image."""
    wrong = ValidationFailed.on("captcha_answer", "图形验证码错误或已失效，请刷新后重试", code="captcha_invalid")
    if not captcha_id or not answer or len(captcha_id) > 64 or len(answer) > 16:
        raise wrong
    try:
        old = CaptchaItem._get_connection().delete_item(
            f"captcha#{captcha_id}", range_key="captcha", condition=CaptchaItem.pk.exists(),
            return_values="ALL_OLD")
    except DeleteError as exc:
        aws.raise_if_unavailable(exc)  # the store failing is a 503, not a wrong answer
        raise wrong from None
    stored = CaptchaItem.from_raw_data(old["Attributes"])
    if datetime.fromisoformat(stored.expires_on) <= clock.now():
        raise wrong
    if not codes.matches("captcha", answer.strip().upper(), stored.answer_digest):
        raise wrong


def send_sms_code(mobile: str, purpose: SmsPurpose) -> dict:
    now = clock.now()
    day = now.strftime("%Y%m%d")
    quota_key = (f"smsquota#{mobile}", day)
    try:
        quota = SmsQuotaItem.get(*quota_key, consistent_read=True)
        sent, last = int(quota.sent), datetime.fromisoformat(quota.last_sent_at) if quota.last_sent_at else None
    except SmsQuotaItem.DoesNotExist:
        sent, last = 0, None
    rules.check_sms_quota(sent, last, now)
    # Conditional on what we read, so two concurrent sends cannot both pass the quota.
    condition = SmsQuotaItem.pk.does_not_exist() if sent == 0 else (SmsQuotaItem.sent == sent)
    try:
        SmsQuotaItem(pk=quota_key[0], sk=day, sent=sent + 1, last_sent_at=now.isoformat(),
                     expires_at=now + timedelta(days=2)).save(condition=condition)
    except PutError as exc:
        aws.raise_if_unavailable(exc)  # the store failing is a 503, not "too frequent"
        rules.check_sms_quota(sent, now, now)  # raises "too frequent"
    code = codes.sms_code()
    expires = now + rules.SMS_TTL
    SmsCodeItem(pk=f"sms#{purpose.value}#{mobile}", sk="code", code_digest=codes.digest(f"sms:{purpose.value}", code),
                expires_on=expires.isoformat(), tries=0, expires_at=expires).save()
    minutes = int(rules.SMS_TTL.total_seconds() // 60)
    notify.send_sms(mobile, f"【医保招采】您的{purpose.label}验证码为 {code}，{minutes} 分钟内有效，请勿告知他人。",
                    purpose.value, now)
    return {"mobile": mobile, "purpose": purpose.value, "expires_at": expires.isoformat(),
            "resend_after_s": int(rules.SMS_RESEND_GAP.total_seconds())}


def verify_sms_code(mobile: str, purpose: SmsPurpose, code: str, field: str = "sms_code") -> None:
    """One use; at most SMS_MAX_TRIES wrong tries, then the code is void."""
    wrong = ValidationFailed.on(field, "短信验证码错误或已失效", code="sms_code_invalid")
    key = (f"sms#{purpose.value}#{mobile}", "code")
    try:
        item = SmsCodeItem.get(*key, consistent_read=True)
    except SmsCodeItem.DoesNotExist:
        raise wrong from None
    if datetime.fromisoformat(item.expires_on) <= clock.now() or int(item.tries) >= rules.SMS_MAX_TRIES:
        raise wrong
    if not codes.matches(f"sms:{purpose.value}", (code or "").strip(), item.code_digest):
        try:
            item.update(actions=[SmsCodeItem.tries.add(1)], condition=SmsCodeItem.pk.exists())
        except UpdateError:
            pass  # consumed or expired meanwhile: the answer is "wrong" either way
        raise wrong
    try:  # consume: a replay finds nothing
        item.delete(condition=SmsCodeItem.code_digest == item.code_digest)
    except DeleteError as exc:
        aws.raise_if_unavailable(exc)  # the store failing is a 503, not a wrong code
        raise wrong from None


# Purposes whose SMS only makes sense for a known operator mobile; for an
# unknown one nothing is sent but the answer is the same (no enumeration).
NEEDS_KNOWN_MOBILE = frozenset({SmsPurpose.RESET_PASSWORD, SmsPurpose.BIND_OPERATOR})


def request_sms_code(req) -> dict:
    from chalicelib.domain.identity import validators as v
    from chalicelib.store import identity as store

    mobile = v.mobile(req.mobile, "mobile")
    verify_captcha(req.captcha_id, req.captcha_answer)
    if req.purpose in NEEDS_KNOWN_MOBILE and store.claim_owner(store.login_pk("mobile", mobile)) is None:
        now = clock.now()
        return {"mobile": mobile, "purpose": req.purpose.value, "expires_at": (now + rules.SMS_TTL).isoformat(),
                "resend_after_s": int(rules.SMS_RESEND_GAP.total_seconds())}
    return send_sms_code(mobile, req.purpose)

