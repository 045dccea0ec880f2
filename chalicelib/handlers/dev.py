"""Dev-only routes (registered on the local and test stages, never on dev/prod):
the SMS outbox and captcha answers, so scripts and people can finish flows
that would otherwise need a phone."""
from __future__ import annotations

from chalice import Blueprint
from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.access import PUBLIC
from chalicelib.domain.errors import NotFound
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.schemas.common import Model, PageQuery

bp = Blueprint(__name__)


class OutboxMessage(Model):
    mobile: str
    purpose: str
    message: str
    sent_at: str


class OutboxPage(Model):
    items: list[OutboxMessage]
    next_cursor: str | None = None


class CaptchaAnswerView(Model):
    captcha_id: str
    answer: str


@endpoint(bp, "/dev/outbox/sms", access=PUBLIC, tags=("dev",), query=PageQuery, response=OutboxPage,
          summary="[local/test stages only] SMS messages sent, newest first")
def sms_outbox(ctx: RequestContext):
    from chalicelib.store import identity as store

    page = store.outbox(limit=ctx.query.limit, cursor=ctx.query.cursor)
    return OutboxPage(items=[OutboxMessage(mobile=m.mobile, purpose=m.purpose, message=m.message, sent_at=m.sent_at)
                             for m in page.items], next_cursor=page.next_cursor)


@endpoint(bp, "/dev/captchas/{captcha_id}", access=PUBLIC, tags=("dev",), response=CaptchaAnswerView,
          errors=(404,), summary="[local/test stages only] the answer of a captcha")
def captcha_answer(ctx: RequestContext, captcha_id: str):
    from chalicelib.store.identity import OutboxItem

    try:
        item = OutboxItem.get(f"outbox#captcha#{captcha_id}", "answer")
    except DoesNotExist:
        raise NotFound("验证码不存在", code="captcha_not_found") from None
    return CaptchaAnswerView(captcha_id=captcha_id, answer=item.message)
