"""Captchas, SMS codes, registration, login/sessions, the caller, recovery."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.access import ANY_ORG_ACCOUNT, PUBLIC, SIGNED_IN, Access
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.lazy import lazy, lazy_classes

(AccountLookup, AccountLookupResult, CaptchaView, Done, MeView, PasswordChange, RegistrationDone, RegistrationRequest,
 ResetByFacts, ResetByOperator, SelectOrg, SessionView, SmsRequest, SmsSent, UnitCheck, LoginRequest) = lazy_classes(
    "chalicelib.schemas.identity",
    "AccountLookup AccountLookupResult CaptchaView Done MeView PasswordChange RegistrationDone RegistrationRequest "
    "ResetByFacts ResetByOperator SelectOrg SessionView SmsRequest SmsSent UnitCheck LoginRequest")
ProgressLookup, ProgressResult = lazy_classes("chalicelib.schemas.organisation", "ProgressLookup ProgressResult")

recovery = lazy("chalicelib.services.identity.recovery")
registration = lazy("chalicelib.services.identity.registration")
sessions = lazy("chalicelib.services.identity.sessions")

bp = Blueprint(__name__)
TAGS = ("identity",)
CHOOSING = Access(scopes=frozenset({"org", "select_org"}), description="an operator choosing an organisation")


@endpoint(bp, "/captchas", "POST", access=PUBLIC, summary="A graphic captcha (one use, 2 minutes)", tags=TAGS,
          response=CaptchaView, status=201)
def new_captcha(ctx: RequestContext):
    from chalicelib.services.identity import challenges

    return challenges.issue_captcha()


@endpoint(bp, "/sms-codes", "POST", access=PUBLIC, summary="Send an SMS code (captcha first; throttled)", tags=TAGS,
          body=SmsRequest, response=SmsSent, status=202, errors=(429,))
def send_sms(ctx: RequestContext):
    from chalicelib.services.identity import challenges

    return challenges.request_sms_code(ctx.body)


@endpoint(bp, "/registrations/unit-check", "POST", access=PUBLIC, tags=TAGS, body=UnitCheck, response=Done,
          summary="Registration step 1: check the unit info (credit code and account free)", errors=(409,))
def check_unit(ctx: RequestContext):
    from chalicelib.services.identity import challenges

    challenges.verify_captcha(ctx.body.captcha_id, ctx.body.captcha_answer)
    registration.check_unit(ctx.body)
    return Done(message="单位信息可用，请填写经办人信息")


@endpoint(bp, "/registrations", "POST", access=PUBLIC, tags=TAGS, body=RegistrationRequest,
          response=RegistrationDone, status=201, idempotent=True, errors=(409,),
          summary="Register an organisation with its unit account and operator (steps 2-3)")
def register(ctx: RequestContext):
    return registration.register(ctx.body)


@endpoint(bp, "/sessions", "POST", access=PUBLIC, tags=TAGS, body=LoginRequest, response=SessionView, status=201,
          errors=(429,), summary="Log in with a unit account, operator mobile or credit code")
def login(ctx: RequestContext):
    return sessions.login(ctx.body)


@endpoint(bp, "/sessions/organisation", "POST", access=CHOOSING, tags=TAGS, body=SelectOrg, response=SessionView,
          summary="An operator picks the organisation to act for")
def select_org(ctx: RequestContext):
    return sessions.select_org(ctx.principal, ctx.body.org_id)


@endpoint(bp, "/sessions/refresh", "POST", access=ANY_ORG_ACCOUNT, tags=TAGS, response=SessionView,
          summary="A fresh token for the same session")
def refresh(ctx: RequestContext):
    return sessions.refresh(ctx.principal)


@endpoint(bp, "/sessions/current", "DELETE", access=SIGNED_IN, tags=TAGS, response=Done,
          summary="Log out (ends every session of the account)")
def logout(ctx: RequestContext):
    sessions.logout(ctx.principal)
    return Done(message="已退出登录")


@endpoint(bp, "/me", access=SIGNED_IN, tags=TAGS, response=MeView, summary="The caller, with pending actions")
def me(ctx: RequestContext):
    return sessions.me(ctx.principal)


@endpoint(bp, "/me/password", "PUT", access=SIGNED_IN, tags=TAGS, body=PasswordChange, response=SessionView,
          summary="Change one's own password (ends other sessions)")
def change_password(ctx: RequestContext):
    return sessions.change_password(ctx.principal, ctx.body)


@endpoint(bp, "/unit-accounts/lookup", "POST", access=PUBLIC, tags=TAGS, body=AccountLookup,
          response=AccountLookupResult, errors=(404,), summary="Find the (masked) unit account of a credit code")
def lookup(ctx: RequestContext):
    return recovery.lookup(ctx.body)


@endpoint(bp, "/password-resets/by-registration", "POST", access=PUBLIC, tags=TAGS, body=ResetByFacts,
          response=Done, errors=(429,), summary="Reset the unit account password with the registration facts")
def reset_by_facts(ctx: RequestContext):
    return recovery.reset_by_facts(ctx.body)


@endpoint(bp, "/password-resets/by-operator", "POST", access=PUBLIC, tags=TAGS, body=ResetByOperator,
          response=Done, errors=(429,), summary="Reset the unit account password through a bound operator")
def reset_by_operator(ctx: RequestContext):
    return recovery.reset_by_operator(ctx.body)


@endpoint(bp, "/procurement-registrations/progress", "POST", access=PUBLIC, tags=TAGS, body=ProgressLookup,
          response=ProgressResult, summary="Registration progress by the authorised mobile and an SMS code")
def progress(ctx: RequestContext):
    from chalicelib.services.identity import procurement_entry

    return procurement_entry.progress(ctx.body)
