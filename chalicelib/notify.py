"""SMS through SNS. On the local and test stages every message is also kept
in a dev-only outbox (so the runner and tests can read codes); on dev/prod
the outbox is never written and its route is not registered."""
from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib import aws
from chalicelib.config import get_settings
from chalicelib.logs import get_logger

log = get_logger("notify")
OUTBOX_STAGES = ("local", "test")


def outbox_enabled() -> bool:
    return get_settings().stage in OUTBOX_STAGES


def send_sms(mobile: str, message: str, purpose: str, now: datetime) -> None:
    aws.client("sns").publish(PhoneNumber=f"+86{mobile}", Message=message,
                              MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String",
                                                                          "StringValue": "Transactional"}})
    if outbox_enabled():
        from chalicelib.store.identity import OutboxItem

        OutboxItem(pk="outbox#sms", sk=f"{now.isoformat()}#{mobile}", mobile=mobile, purpose=purpose,
                   message=message, sent_at=now.isoformat(), expires_at=now + timedelta(days=1)).save()
    log.info("sms sent", extra={"purpose": purpose, "mobile_tail": mobile[-4:]})
