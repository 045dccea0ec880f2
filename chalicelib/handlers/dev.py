"""Dev-only routes (registered on the local and test stages, never on dev/prod):
the SMS outbox and captcha answers, so scripts and people can finish flows
that would otherwise need a phone; and the project-events notifications, as
the SNS topic's tap queue received them."""
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


class TopicMessage(Model):
    message_id: str
    received_at: str
    attributes: dict[str, str]
    message: dict


class TopicMessagePage(Model):
    items: list[TopicMessage]
    next_cursor: str | None = None


@endpoint(bp, "/dev/outbox/project-events", access=PUBLIC, tags=("dev",), query=PageQuery,
          response=TopicMessagePage,
          summary="[local/test stages only] messages published to the project_events SNS topic, newest first "
                  "(read through the topic's tap queue)")
def project_events_outbox(ctx: RequestContext):
    import json

    from chalicelib import clock, topics
    from chalicelib.store import project_events as store

    # what reached the tap queue since the last call is kept (1 day), then listed
    drained = topics.drain_tap("project_events")
    if drained:
        store.save_tapped("project_events", drained, clock.now())
    page = store.list_tapped("project_events", limit=ctx.query.limit, cursor=ctx.query.cursor)
    return TopicMessagePage(items=[TopicMessage(message_id=m.message_id, received_at=m.received_at,
                                                attributes=json.loads(m.attributes), message=json.loads(m.body))
                                   for m in page.items], next_cursor=page.next_cursor)
