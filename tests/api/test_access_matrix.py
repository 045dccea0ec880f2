"""The access matrix: every route against every kind of caller.

The expected outcome of each (route, actor) cell is derived from the route's
declared ``EndpointDoc.access`` and the actor's facts by ``expected()`` below,
an independent re-statement of the rules of ``chalicelib.domain.access.check``
(it is deliberately not called here). A change to ``check`` that breaks the
rules, a route whose enforcement differs from its declaration, or a route
registered without ``endpoint`` fails a cell. (Whether a route *declares* the
right rule is for its own tests: the matrix takes the declaration as given.)

Every request is sent with an empty JSON object as its body and made-up ids in
its path: access is checked before the body is parsed, so a refused caller
must still get 401/403. Each actor's token is minted from the account's
current token version and minted again after the actor logs out
(DELETE /sessions/current), so that cell cannot spoil the cells after it.

The second half checks ownership and supervision with real ids: addressed
resources of another organisation, or outside a bureau's city, are not found.
Those tests change state only on organisations they create themselves.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from tests.support import provisioned_aws

FAKE_ID = "0" * 32
ACCESS_CODES = frozenset({
    "unit_account_no_business", "account_kind_forbidden", "actor_forbidden", "procurement_authorization_required",
    "role_required", "procurement_entry_required", "permission_required", "password_change_required",
    "organisation_not_selected",
})
WITH_BODY = {"POST", "PUT", "PATCH"}
ALL_ACCOUNT_KINDS = frozenset({"unit", "operator", "sub_account"})
LOGS_OUT = ("/sessions/current", "DELETE")  # bumps the caller's token version

# What the default role created with each organisation grants (the kind's full set).
ALL_PERMISSIONS = {
    "enterprise": {"qualification_maintain", "product_maintain", "declaration", "code_matching", "result_query",
                   "agreement_query"},
    "medical_institution": {"allocation_fill", "agreement_query", "result_query"},
    "pharmacy": {"result_query"},
    "city_bureau": {"allocation_review", "agreement_query", "institution_supervision", "registration_review"},
    "province_bureau": {"allocation_review", "agreement_query", "institution_supervision"},
    "alliance_office": {"allocation_review", "agreement_query", "project_manage"},
    "platform": {"qualification_review", "registration_review", "project_manage", "catalog_import", "result_query",
                 "organisation_provisioning"},
}


def _routes() -> list[tuple[str, str]]:
    import app

    return sorted((path, method) for path, methods in app.app.routes.items() for method in methods
                  if method != "OPTIONS")


ROUTES = _routes()


# -- actors ------------------------------------------------------------------

@dataclass(frozen=True)
class Actor:
    """A caller and the facts the rules look at (as the fixture built them)."""

    name: str
    account_id: str | None = None
    org_id: str | None = None
    scope: str = "org"  # the scope minted into the token
    effective_scope: str = "org"  # what the server should see (must-change accounts are downgraded)
    account_kind: str | None = None  # unit | operator | sub_account
    org_kind: str | None = None
    region: str | None = None
    certified_role: str | None = None
    entered: bool = False
    authorized: bool = False
    permissions: frozenset[str] = frozenset()
    credential: str = "valid"  # none | forged | expired | stale | disabled | valid (see TOKEN_REFUSALS)
    raw_token: str | None = None  # a literal (forged, expired) token instead of a minted one

    def token(self) -> str | None:
        """A freshly minted token (reads the account's current token version)."""
        if self.raw_token is not None or self.credential == "none":
            return self.raw_token
        from chalicelib import clock
        from chalicelib.security import tokens
        from chalicelib.store import identity as store

        version = int(store.get_account(self.account_id).token_version or 0)
        if self.credential == "stale":
            version -= 1
        return tokens.issue(self.account_id, self.org_id, self.scope, version, clock.now())[0]


def _expires_within(token: str, seconds: float) -> bool:
    import jwt

    from chalicelib import clock

    exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    return exp is not None and exp - clock.now().timestamp() < seconds


@dataclass
class World:
    client: object
    orgs: dict = field(default_factory=dict)
    actors: list[Actor] = field(default_factory=list)
    subs: dict = field(default_factory=dict)  # org key -> sub-account id
    tokens: dict = field(default_factory=dict)  # actor name -> token, until the actor logs out

    def token_of(self, actor: Actor) -> str | None:
        """The actor's token, minted again when it is about to expire: a select_org or
        password_change token lives 5 minutes, and the matrix can take longer than that."""
        token = self.tokens.get(actor.name)
        if token is None or (actor.raw_token is None and _expires_within(token, seconds=90)):
            token = self.tokens[actor.name] = actor.token()
        return token

    def forget_token(self, actor: Actor) -> None:
        self.tokens.pop(actor.name, None)

    def actor(self, name: str) -> Actor:
        return next(a for a in self.actors if a.name == name)

    def call(self, method: str, path: str, token: str | None, body: object | None = None, **headers):
        send = dict(headers)
        if token is not None:
            send["Authorization"] = f"Bearer {token}"
        payload = b""
        if method in WITH_BODY:
            send["Content-Type"] = "application/json"
            payload = json.dumps({} if body is None else body).encode()
        return self.client.http.request(method, path, headers=send, body=payload)


def _role(org, name: str, permissions: set[str]) -> str:
    from chalicelib import clock
    from chalicelib.services.identity.common import iso, new_id
    from chalicelib.store import identity as store
    from chalicelib.store.identity import RoleItem

    now = iso(clock.now())
    role_id = new_id()
    RoleItem(pk=store.org_pk(org.org_id), sk=f"role#{role_id}", org_id=org.org_id, role_id=role_id, name=name,
             permissions=set(permissions) or None, created_at=now, updated_at=now).save()
    return role_id


def _sub_account(org, role_ids: set[str], *, must_change: bool = False) -> str:
    from chalicelib import clock
    from chalicelib.domain.enums import AccountKind
    from chalicelib.domain.identity import validators as v
    from chalicelib.security import passwords
    from chalicelib.services.identity.registration import claim, new_account
    from chalicelib.store import identity as store
    from chalicelib.store.identity import AssignItem
    from chalicelib.store.uow import UnitOfWork
    from tests import factory

    now = clock.now()
    login = f"sub{factory.mobile()[3:]}x"
    account = new_account(AccountKind.SUB_ACCOUNT, login, passwords.hash_password(factory.PASSWORD), now,
                          org_id=org.org_id, must_change=must_change, name="赵六", role_ids=set(role_ids) or None)
    uow = UnitOfWork()
    claim(uow, store.login_pk("name", v.login_key(login)), account.account_id, None)
    uow.put(account)
    for role_id in role_ids:
        uow.put(AssignItem(pk=store.org_pk(org.org_id), sk=f"assign#{role_id}#{account.account_id}",
                           org_id=org.org_id, role_id=role_id, account_id=account.account_id))
    uow.commit()
    return account.account_id


def _build(world: World) -> None:
    from chalicelib.domain.enums import ActorKind, UnitRole
    from chalicelib.store.identity import AccountItem
    from tests import factory

    specs = {  # key: (kind, region, certified role, entered)
        "ent": (ActorKind.ENTERPRISE, "630100", UnitRole.MANUFACTURER, True),
        "inst": (ActorKind.MEDICAL_INSTITUTION, "630100", UnitRole.MEDICAL_INSTITUTION, True),
        "pharm": (ActorKind.PHARMACY, "630100", None, False),
        "city": (ActorKind.CITY_BUREAU, "630100", None, False),
        "prov": (ActorKind.PROVINCE_BUREAU, "630000", None, False),
        "alliance": (ActorKind.ALLIANCE_OFFICE, "630000", None, False),
        "platform": (ActorKind.PLATFORM, "630000", None, False),
        "ent2": (ActorKind.ENTERPRISE, "220100", UnitRole.MANUFACTURER, True),
        "inst2": (ActorKind.MEDICAL_INSTITUTION, "220100", UnitRole.MEDICAL_INSTITUTION, True),
        # bureaus of another province: they pass the same route rules; their region is checked below
        "city2": (ActorKind.CITY_BUREAU, "220100", None, False),
        "prov2": (ActorKind.PROVINCE_BUREAU, "220000", None, False),
    }
    # every other enterprise role (an authorised operator holding everything each, see below)
    other_roles = [r for r in UnitRole if r not in (UnitRole.MANUFACTURER, UnitRole.MEDICAL_INSTITUTION,
                                                    UnitRole.PHARMACY)]
    # sub-accounts get a role with part of the kind's permissions
    sub_permissions = {
        "ent": {"result_query", "product_maintain"},
        "inst": {"allocation_fill"},
        "city": {"registration_review"},  # a reviewer, but no institution supervision
        "platform": {"catalog_import"},  # no registration review
        "ent2": {"result_query"},
    }
    no_role_operator = {"ent", "city", "platform"}  # authorised, but holding no role: no permissions
    sub_account_actors = {"ent", "inst", "city", "platform"}  # ent2's sub-account is only addressed
    actors = [Actor("anonymous", credential="none"),
              Actor("malformed-token", credential="forged", raw_token="not.a.jwt")]
    for key, (kind, region, role, entered) in specs.items():
        org = factory.make_org(kind, region, role=role, entered=entered)
        world.orgs[key] = org
        facts = dict(org_id=org.org_id, org_kind=kind.value, region=region,
                     certified_role=role.value if role else None, entered=entered)
        everything = frozenset(ALL_PERMISSIONS[kind.value])
        actors.append(Actor(f"{key}:unit", org.unit_account_id, account_kind="unit", **facts))
        op, _ = factory.add_operator(org, authorized=True)
        actors.append(Actor(f"{key}:operator", op, account_kind="operator", authorized=True, permissions=everything,
                            **facts))
        op, _ = factory.add_operator(org, authorized=False)
        actors.append(Actor(f"{key}:operator-unauthorised", op, account_kind="operator", authorized=False,
                            permissions=everything, **facts))
        if key in no_role_operator:
            op, _ = factory.add_operator(org, authorized=True, with_default_role=False)
            actors.append(Actor(f"{key}:operator-no-role", op, account_kind="operator", authorized=True, **facts))
        if key in sub_permissions:
            role_id = _role(org, "部分权限", sub_permissions[key])
            sub = _sub_account(org, {role_id})
            world.subs[key] = sub
            if key in sub_account_actors:
                actors.append(Actor(f"{key}:sub-account", sub, account_kind="sub_account",
                                    permissions=frozenset(sub_permissions[key]), **facts))

    # enterprises short of a route's role / entry rules, and the other enterprise roles: only an authorised
    # operator holding everything each, so the cell reaches those rules (the unit account and the others are
    # refused earlier, as for "ent")
    shortfalls = [("ent-uncertified", None, False), ("ent-not-entered", UnitRole.MANUFACTURER, False)]
    shortfalls += [(f"ent-{role.value}", role, True) for role in other_roles]
    for name, role, entered in shortfalls:
        org = factory.make_org(ActorKind.ENTERPRISE, "630100", role=role, entered=entered)
        world.orgs[name] = org
        op, _ = factory.add_operator(org, authorized=True)
        actors.append(Actor(f"{name}:operator", op, org.org_id, account_kind="operator", org_kind="enterprise",
                            region="630100", certified_role=role.value if role else None, entered=entered,
                            authorized=True, permissions=frozenset(ALL_PERMISSIONS["enterprise"])))

    ent, ent2, pharm = world.orgs["ent"], world.orgs["ent2"], world.orgs["pharm"]
    # an operator of two organisations who has not picked one yet
    chooser, _ = factory.add_operator(ent, authorized=True)
    factory.add_operator(ent2, authorized=True, existing=chooser)
    actors.append(Actor("operator:select_org", chooser, None, scope="select_org", effective_scope="select_org",
                        account_kind="operator"))
    # an operator who must change an initial password (a password_change token)
    changer, _ = factory.add_operator(ent, authorized=True)
    AccountItem.get(f"account#{changer}", "account").update(actions=[AccountItem.must_change_password.set(True)])
    actors.append(Actor("operator:password_change", changer, ent.org_id, scope="password_change",
                        effective_scope="password_change", account_kind="operator"))
    # a must-change sub-account holding an "org" token: the server must treat it as password_change
    sub = _sub_account(pharm, {pharm.role_id}, must_change=True)
    actors.append(Actor("pharm:sub-account-must-change(org token)", sub, pharm.org_id, scope="org",
                        effective_scope="password_change", account_kind="sub_account", org_kind="pharmacy",
                        region="630100", permissions=frozenset(ALL_PERMISSIONS["pharmacy"])))
    # a sub-account its unit account disabled: its token carries the current version, the account is disabled
    from chalicelib.domain.enums import AccountStatus

    disabled = _sub_account(ent, {ent.role_id})
    AccountItem.get(f"account#{disabled}", "account").update(actions=[AccountItem.status.set(
        AccountStatus.DISABLED.value)])
    actors.append(Actor("ent:sub-account-disabled", disabled, ent.org_id, credential="disabled",
                        account_kind="sub_account", org_kind="enterprise", region="630100",
                        certified_role="manufacturer", entered=True,
                        permissions=frozenset(ALL_PERMISSIONS["enterprise"])))
    # a session that was logged out: a well-signed token with the previous token version
    stale, _ = factory.add_operator(world.orgs["city"], authorized=True)
    AccountItem.get(f"account#{stale}", "account").update(actions=[AccountItem.token_version.add(1)])
    actors.append(Actor("city:operator-logged-out", stale, credential="stale", org_id=world.orgs["city"].org_id,
                        account_kind="operator", org_kind="city_bureau", region="630100", authorized=True,
                        permissions=frozenset(ALL_PERMISSIONS["city_bureau"])))
    # a well-signed token of a real operator that expired an hour ago
    from datetime import timedelta

    from chalicelib import clock
    from chalicelib.security import tokens

    import jwt

    expired, _ = tokens.issue(stale, world.orgs["city"].org_id, "org", 1, clock.now() - timedelta(hours=1))
    actors.append(Actor("expired-token", credential="expired", raw_token=expired))
    # well-formed claims of a real operator, signed with a key that is not ours
    claims = jwt.decode(expired, options={"verify_signature": False})
    claims["exp"] = int((clock.now() + timedelta(minutes=30)).timestamp())
    actors.append(Actor("foreign-signed-token", credential="forged",
                        raw_token=jwt.encode(claims, "not-our-key-" + "x" * 32, algorithm="HS256")))
    world.actors = actors


@pytest.fixture(scope="module")
def world():
    with provisioned_aws():
        from chalice.test import Client

        import app

        with Client(app.app) as client:
            w = World(client)
            _build(w)
            yield w


# -- the rules, restated -----------------------------------------------------

PASS = "pass"
# docs/identity.md "Verification": the gateway refuses a missing token (401) and one we did not sign (403),
# in our error body (Gateway Responses: chalicelib/api/gateway.py, locally ops/local_gateway.py);
# the endpoint wrapper refuses an expired token or a logged-out session (401 with our code).
TOKEN_REFUSALS = {
    "none": (401, "unauthenticated"),
    "forged": (403, "invalid_token"),
    "expired": (401, "token_expired"),
    "stale": (401, "session_revoked"),
    "disabled": (401, "session_revoked"),  # a well-signed, current token of an account disabled since
}


def expected(access, actor: Actor) -> tuple[int, str] | str:
    """(status, code) of the refusal the rules require, or PASS."""
    if access.public:
        return PASS
    if actor.credential != "valid":
        return TOKEN_REFUSALS[actor.credential]
    scope = actor.effective_scope
    if scope not in access.scopes:
        return 403, "password_change_required" if scope == "password_change" else "organisation_not_selected"
    if scope != "org":
        return PASS
    if actor.account_kind not in {k.value for k in access.account_kinds}:
        if actor.account_kind == "unit" and access.business:
            return 403, "unit_account_no_business"
        return 403, "account_kind_forbidden"
    if access.actors is not None and actor.org_kind not in {k.value for k in access.actors}:
        return 403, "actor_forbidden"
    does_business = actor.account_kind == "sub_account" or (actor.account_kind == "operator" and actor.authorized)
    if access.business and not does_business:
        return 403, "procurement_authorization_required"
    if access.roles is not None and actor.certified_role not in {r.value for r in access.roles}:
        return 403, "role_required"
    if access.entered and not actor.entered:
        return 403, "procurement_entry_required"
    if access.permission is not None and access.permission.value not in actor.permissions:
        return 403, "permission_required"
    return PASS


def _code(response) -> str | None:
    try:
        return json.loads(response.body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def _fill(path: str, value: str = FAKE_ID) -> str:
    import re

    return re.sub(r"\{[^}]+\}", value, path)


# -- the matrix --------------------------------------------------------------

def test_every_route_is_declared_with_endpoint():
    import app
    from chalicelib.handlers._http import ENDPOINTS

    undeclared = [f"{m} {p}" for p, m in ROUTES if (p, m) not in ENDPOINTS]
    assert not undeclared, f"routes registered without chalicelib.handlers._http.endpoint: {undeclared}"
    gateway = []
    for path, method in ROUTES:
        access = ENDPOINTS[(path, method)].access
        has_authorizer = app.app.routes[path][method].authorizer is not None
        if has_authorizer == access.public:
            gateway.append(f"{method} {path}: public={access.public} but authorizer={has_authorizer}")
    assert not gateway, gateway


@pytest.mark.parametrize(("path", "method"), ROUTES, ids=[f"{m} {p}" for p, m in ROUTES])
def test_route_against_every_actor(world, path, method):
    from chalicelib.handlers._http import ENDPOINTS

    doc = ENDPOINTS.get((path, method))
    assert doc is not None, f"{method} {path} is routed but not declared with endpoint (no access rule)"
    failures = []
    for actor in world.actors:
        want = expected(doc.access, actor)
        response = world.call(method, _fill(path), world.token_of(actor))
        if LOGS_OUT == (path, method):
            world.forget_token(actor)  # the token version moved on: the next cell gets a new token
        status, code = response.status_code, _code(response)
        where = f"{method} {path} as {actor.name}"
        if want == PASS:
            if status == 401 or (status == 403 and code in ACCESS_CODES):
                failures.append(f"{where}: expected access to pass, got {status} {code}")
            elif status >= 500 and not (path == "/health" and status == 503):
                failures.append(f"{where}: access passed but the route failed with {status} {code}")
        else:
            want_status, want_code = want
            if status != want_status or code != want_code:
                shown = want_code or "(refused at the gateway, no error code)"
                failures.append(f"{where}: expected {want_status} {shown}, got {status} {code}")
    assert not failures, "\n".join(failures)


def test_the_actors_are_what_the_matrix_assumes(world):
    """GET /me as each signed-in actor reflects the facts the expectations are derived from."""
    wrong = []
    for actor in world.actors:
        if actor.credential != "valid":
            continue
        response = world.call("GET", "/me", actor.token())
        if response.status_code != 200:
            wrong.append(f"GET /me as {actor.name}: {response.status_code} {_code(response)}")
            continue
        me = json.loads(response.body)
        seen = {"account_kind": me["account_kind"]}
        want = {"account_kind": actor.account_kind}
        if actor.effective_scope == "org":
            seen.update(org_id=me["org_id"], org_kind=me["org_kind"], certified_role=me["certified_role"],
                        entered=me["procurement_status"] in ("associated", "approved"),
                        authorized=me["procurement_authorized"], permissions=set(me["permissions"]))
            want.update(org_id=actor.org_id, org_kind=actor.org_kind, certified_role=actor.certified_role,
                        entered=actor.entered, authorized=actor.authorized, permissions=set(actor.permissions))
        if seen != want:
            wrong.append(f"{actor.name}: expected {want}, /me says {seen}")
    assert not wrong, "\n".join(wrong)


def test_matrix_exercises_every_rule(world):
    """Every refusal a declared rule can produce is produced by some cell (the actors are varied enough)."""
    from chalicelib.handlers._http import ENDPOINTS

    assert {a.org_kind for a in world.actors if a.org_kind} == set(ALL_PERMISSIONS)
    assert {a.account_kind for a in world.actors if a.account_kind} == {"unit", "operator", "sub_account"}
    accesses = [ENDPOINTS[route].access for route in ROUTES]
    produced = {want[1] for access in accesses for actor in world.actors
                if (want := expected(access, actor)) != PASS}
    needed = {"unauthenticated", "invalid_token", "token_expired", "session_revoked", "password_change_required",
              "organisation_not_selected"}
    if any({k.value for k in a.account_kinds} != ALL_ACCOUNT_KINDS for a in accesses):
        needed.add("account_kind_forbidden")
    if any(a.business for a in accesses):
        needed |= {"unit_account_no_business", "procurement_authorization_required"}
    if any(a.actors is not None for a in accesses):
        needed.add("actor_forbidden")
    if any(a.roles is not None for a in accesses):
        needed.add("role_required")
    if any(a.entered for a in accesses):
        needed.add("procurement_entry_required")
    if any(a.permission is not None for a in accesses):
        needed.add("permission_required")
    assert needed <= produced, f"no actor triggers {needed - produced}: add one to the matrix"


# -- ownership and supervision ------------------------------------------------

def _check(failures, response, where, status, code=None):
    got = (response.status_code, _code(response))
    if got[0] != status or (code is not None and got[1] != code):
        failures.append(f"{where}: expected {status} {code or ''}, got {got[0]} {got[1]}")


def test_a_unit_account_cannot_reach_another_organisations_accounts_and_roles(world):
    from tests import factory

    a, b = world.orgs["ent"], world.orgs["ent2"]
    unit_a = factory.unit_token(a)
    op_b = world.actor("ent2:operator").account_id
    op_a = world.actor("ent:operator").account_id
    sub_b = world.subs["ent2"]
    failures = []
    cases = [
        ("DELETE", f"/org/operators/{op_b}", None, 404, "account_not_found"),
        ("POST", f"/org/operators/{op_b}/password-reset", None, 404, "account_not_found"),
        ("PUT", f"/org/operators/{op_b}/procurement-authorization", {"granted": False}, 404, "account_not_found"),
        ("PATCH", f"/org/roles/{b.role_id}", {"name": "改名"}, 404, "role_not_found"),
        ("DELETE", f"/org/roles/{b.role_id}", None, 404, "role_not_found"),
        ("GET", f"/org/roles/{b.role_id}/accounts", None, 404, "role_not_found"),
        ("PUT", f"/org/roles/{b.role_id}/accounts/{op_b}", None, 404, "role_not_found"),
        ("DELETE", f"/org/roles/{b.role_id}/accounts/{op_b}", None, 404, "role_not_found"),
        ("PUT", f"/org/roles/{a.role_id}/accounts/{op_b}", None, 404, "account_not_found"),
        ("PUT", f"/org/roles/{a.role_id}/accounts/{sub_b}", None, 404, "account_not_found"),
        ("PATCH", f"/org/sub-accounts/{sub_b}", {"name": "钱七"}, 404, "account_not_found"),
        ("POST", f"/org/sub-accounts/{sub_b}/disable", None, 404, "account_not_found"),
        ("POST", f"/org/sub-accounts/{sub_b}/enable", None, 404, "account_not_found"),
        ("POST", f"/org/sub-accounts/{sub_b}/password-reset", None, 404, "account_not_found"),
        # controls: the same routes do work on org A's own records
        ("PUT", f"/org/operators/{op_a}/procurement-authorization", {"granted": True}, 200, None),
        ("GET", f"/org/roles/{a.role_id}/accounts", None, 200, None),
    ]
    for method, path, body, status, code in cases:
        _check(failures, world.call(method, path, unit_a, body), f"{method} {path} as ent:unit (org A)", status,
               code)
    # nothing of org B changed: its operator and sub-account still act, its role still grants everything
    me = world.call("GET", "/me", world.actor("ent2:operator").token())
    if me.status_code != 200 or not json.loads(me.body)["procurement_authorized"] or \
            set(json.loads(me.body)["permissions"]) != ALL_PERMISSIONS["enterprise"]:
        failures.append(f"org B's operator changed after org A's attempts: {me.status_code} {me.body}")
    from tests import factory as f

    me = world.call("GET", "/me", f.token(sub_b, b.org_id))
    if me.status_code != 200:
        failures.append(f"org B's sub-account changed after org A's attempts: {me.status_code} {me.body}")
    assert not failures, "\n".join(failures)


def test_a_city_bureau_supervises_the_institutions_of_its_city_only(world):
    from chalicelib.domain.enums import ActorKind, UnitRole
    from tests import factory

    city_op = world.actor("city:operator").token()
    here = factory.make_org(ActorKind.MEDICAL_INSTITUTION, "630100", role=UnitRole.MEDICAL_INSTITUTION)
    pharmacy_here = factory.make_org(ActorKind.PHARMACY, "630100")
    elsewhere = factory.make_org(ActorKind.MEDICAL_INSTITUTION, "220100", role=UnitRole.MEDICAL_INSTITUTION)
    enterprise_here = factory.make_org(ActorKind.ENTERPRISE, "630100", role=UnitRole.MANUFACTURER)
    failures = []
    where = "POST /supervision/institutions/{org_id}/password-reset as city:operator (630100)"
    response = world.call("POST", f"/supervision/institutions/{here.org_id}/password-reset", city_op)
    _check(failures, response, f"{where} for an institution of 630100", 200)
    if response.status_code == 200 and json.loads(response.body)["login"] != here.unit_login:
        failures.append(f"{where}: reset {json.loads(response.body)['login']}, not {here.unit_login}")
    _check(failures, world.call("POST", f"/supervision/institutions/{pharmacy_here.org_id}/password-reset", city_op),
           f"{where} for a pharmacy of 630100", 200)
    _check(failures, world.call("POST", f"/supervision/institutions/{elsewhere.org_id}/password-reset", city_op),
           f"{where} for an institution of 220100", 404, "organisation_not_found")
    _check(failures,
           world.call("POST", f"/supervision/institutions/{enterprise_here.org_id}/password-reset", city_op),
           f"{where} for an enterprise of 630100", 404, "organisation_not_found")
    # the untouched organisations can still sign in with their unit accounts as before
    for org in (elsewhere, enterprise_here):
        me = world.call("GET", "/me", factory.unit_token(org))
        if me.status_code != 200:
            failures.append(f"{org.kind.value} of {org.region} was affected by a refused reset: {me.status_code}")

    # listing: the city's own institutions; another city is outside supervision
    listed = world.call("GET", "/supervision/institutions", city_op)
    _check(failures, listed, "GET /supervision/institutions as city:operator (630100)", 200)
    if listed.status_code == 200:
        regions = {o["region_code"] for o in json.loads(listed.body)["items"]}
        if regions - {"630100"}:
            failures.append(f"GET /supervision/institutions as city:operator (630100) listed regions {regions}")
    _check(failures, world.call("GET", "/supervision/institutions?region_code=220100", city_op),
           "GET /supervision/institutions?region_code=220100 as city:operator (630100)", 403,
           "outside_supervision")
    prov_op = world.actor("prov:operator").token()
    _check(failures, world.call("GET", "/supervision/institutions?region_code=630100", prov_op),
           "GET /supervision/institutions?region_code=630100 as prov:operator (630000)", 200)
    _check(failures, world.call("GET", "/supervision/institutions?region_code=220100", prov_op),
           "GET /supervision/institutions?region_code=220100 as prov:operator (630000)", 403,
           "outside_supervision")
    assert not failures, "\n".join(failures)


def test_a_city_bureau_reviews_the_registrations_of_its_city_only(world):
    from chalicelib.domain.enums import ActorKind, UnitRole
    from tests import factory

    here = factory.make_org(ActorKind.MEDICAL_INSTITUTION, "630100", role=UnitRole.MEDICAL_INSTITUTION)
    elsewhere = factory.make_org(ActorKind.MEDICAL_INSTITUTION, "220100", role=UnitRole.MEDICAL_INSTITUTION)
    failures = []
    for org in (here, elsewhere):
        filed = world.call("POST", "/org/procurement-registration", factory.unit_token(org),
                           {"contact_name": "赵六", "contact_mobile": factory.mobile(),
                            "attachment_file_ids": [factory.verified_pdf(org, org.unit_account_id)]})
        assert filed.status_code == 201, f"filing for {org.region}: {filed.status_code} {filed.body}"

    city_op = world.actor("city:operator").token()
    queue = world.call("GET", "/reviews/procurement-registrations", city_op)
    assert queue.status_code == 200, queue.body
    listed = {item["org_id"] for item in json.loads(queue.body)["items"]}
    if here.org_id not in listed:
        failures.append("GET /reviews/procurement-registrations as city:operator (630100): its city's "
                        "registration is missing")
    if elsewhere.org_id in listed:
        failures.append("GET /reviews/procurement-registrations as city:operator (630100): lists a registration "
                        "of 220100")
    platform_queue = world.call("GET", "/reviews/procurement-registrations", world.actor("platform:operator").token())
    if {here.org_id, elsewhere.org_id} & {i["org_id"] for i in json.loads(platform_queue.body)["items"]}:
        failures.append("GET /reviews/procurement-registrations as platform:operator lists institutions' "
                        "registrations (they belong to their city bureau)")

    decide = "/reviews/procurement-registrations/{}/decision"
    _check(failures, world.call("POST", decide.format(elsewhere.org_id), city_op, {"decision": "approve"}),
           f"POST {decide.format('<220100 institution>')} as city:operator (630100)", 404, "registration_not_found")
    _check(failures, world.call("POST", decide.format(elsewhere.org_id), world.actor("platform:operator").token(),
                                {"decision": "approve"}),
           f"POST {decide.format('<220100 institution>')} as platform:operator", 404, "registration_not_found")
    still = world.call("GET", "/org/procurement-registration", factory.unit_token(elsewhere))
    if still.status_code != 200 or json.loads(still.body)["status"] != "pending_review":
        failures.append(f"the 220100 registration changed after refused decisions: {still.status_code} {still.body}")
    # control: the city decides its own city's registration
    _check(failures, world.call("POST", decide.format(here.org_id), city_op, {"decision": "approve"}),
           f"POST {decide.format('<630100 institution>')} as city:operator (630100)", 200)
    assert not failures, "\n".join(failures)


def test_allocation_reviewers_act_within_their_region_only(world):
    """The allocation routes with real ids: a city sees and decides its institutions only, a province its
    cities only; an institution reads its own sheet; an enterprise its own agreements."""
    from chalicelib import clock
    from chalicelib.schemas.allocation import SheetSave, TaskCreate
    from chalicelib.services import jobs
    from chalicelib.services.allocation import demand, sheets, tasks
    from tests import factory

    def principal(name):
        actor = world.actor(name)
        return factory.principal_of(actor.account_id, actor.org_id)

    office = principal("alliance:operator")
    inst, inst2, ent = world.orgs["inst"], world.orgs["inst2"], world.orgs["ent"]
    day = 86400
    now = clock.now()
    body = {"name": "矩阵分量", "rule": {"base_percent": {"1": 50}, "rank_weights": {"1": [1]}},
            "groups": [{"code": "G1", "name": "A组", "item_code": "T1", "item_name": "标的",
                        "winners": [{"credit_code": ent.credit_code, "name": "企业", "rank": 1, "price": "1.00"}]}],
            **{f"{k}_deadline": now.fromtimestamp(now.timestamp() + (i + 2) * day, now.tzinfo).isoformat()
               for i, k in enumerate(("fill", "city", "province", "alliance"))}}
    task_id = tasks.create(office, TaskCreate.model_validate(body)).task_id
    key = f"imports/{office.org_id}/matrix-demand.csv"
    factory.put_import_file(key, f"credit_code,group_code,demand\n{inst.credit_code},G1,10\n"
                                 f"{inst2.credit_code},G1,8\n")
    jobs.run(demand.start_import(office, task_id, key).job_id)
    tasks.publish(office, task_id)
    for name in ("inst:operator", "inst2:operator"):
        p = principal(name)
        sheet = sheets.get(p, task_id)
        saved = sheets.save(p, task_id, SheetSave(version=sheet.version,
                                                  allocations={"G1": {ent.credit_code: sheet.remaining}}))
        sheets.submit(p, task_id, saved.version)
    city, prov = world.actor("city:operator").token(), world.actor("prov:operator").token()
    base = f"/allocation-tasks/{task_id}"
    failures = []
    _check(failures, world.call("GET", f"{base}/sheets/{inst.org_id}", city), "city on its institution", 200)
    _check(failures, world.call("GET", f"{base}/sheets/{inst2.org_id}", city), "city on 220100's institution", 403,
           "outside_region")
    _check(failures, world.call("GET", f"{base}/sheets/{inst2.org_id}", prov), "province 630000 on 220100's", 403,
           "outside_region")
    _check(failures, world.call("GET", f"{base}/province/cities/220100/sheets", prov), "province drills outside",
           403, "outside_region")
    _check(failures, world.call("GET", f"{base}/agreements?city=220100", prov), "province agreements outside", 403,
           "outside_region")
    decided = world.call("POST", f"{base}/city/decisions", city, {"units": [inst2.org_id], "decision": "approve"})
    if decided.status_code != 200 or json.loads(decided.body)["results"][0]["error"]["code"] != "outside_region":
        failures.append(f"city deciding 220100's institution: {decided.status_code} {decided.body}")
    listed = world.call("GET", f"{base}/city/sheets", city)
    if listed.status_code != 200 or {s["inst_id"] for s in json.loads(listed.body)["items"]} != {inst.org_id}:
        failures.append(f"city list shows other cities' institutions: {listed.status_code} {listed.body}")
    progress = world.call("GET", f"{base}/progress", prov)
    if progress.status_code != 200 or [u["unit"] for u in json.loads(progress.body)["units"]] != ["630100"]:
        failures.append(f"province progress shows other provinces' cities: {progress.status_code} {progress.body}")
    mine = world.call("GET", f"{base}/my-sheet", world.actor("inst2:operator").token())
    _check(failures, mine, "inst2 reads its own sheet", 200)
    if mine.status_code == 200 and json.loads(mine.body)["status"] != "pending_city":
        failures.append(f"inst2's sheet changed by a refused decision: {mine.body}")
    assert not failures, "\n".join(failures)


def test_own_and_other_regions_and_organisations_resources(world):
    """One table: an actor addressing a resource of its own organisation or region, or of another's,
    and the answer the rules require. Zero cross-organisation reads or writes: every "another" row is
    refused, and what it addressed is unchanged (the rows after it still find it as before)."""
    from chalicelib.domain.enums import ActorKind, RecordKind, UnitRole
    from chalicelib.services.records import engine
    from tests import factory

    here = factory.make_org(ActorKind.MEDICAL_INSTITUTION, "630100", role=UnitRole.MEDICAL_INSTITUTION)
    there = factory.make_org(ActorKind.MEDICAL_INSTITUTION, "220100", role=UnitRole.MEDICAL_INSTITUTION)
    ent, ent_op = world.orgs["ent"], world.actor("ent:operator")
    file_id = factory.verified_pdf(ent, ent_op.account_id)
    record = engine.create(factory.principal_of(ent_op.account_id, ent.org_id), RecordKind.COMMITMENT_LETTER,
                           {"signed_on": "2026-01-05", "letter_file_id": file_id}).record_id
    reset = "/supervision/institutions/{}/password-reset"
    table = [  # actor, method, path, whose resource, expected status, expected code
        ("city:operator", "GET", "/supervision/institutions?region_code=220100", "another province's city", 403,
         "outside_supervision"),
        ("city2:operator", "GET", "/supervision/institutions?region_code=630100", "another province's city", 403,
         "outside_supervision"),
        ("prov2:operator", "GET", "/supervision/institutions?region_code=630100", "another province's city", 403,
         "outside_supervision"),
        ("prov2:operator", "GET", "/supervision/institutions?region_code=220100", "its own city", 200, None),
        ("city:operator", "POST", reset.format(there.org_id), "another province's institution", 404,
         "organisation_not_found"),
        ("city2:operator", "POST", reset.format(here.org_id), "another province's institution", 404,
         "organisation_not_found"),
        ("city2:operator", "POST", reset.format(there.org_id), "its own city's institution", 200, None),
        ("city:operator", "POST", reset.format(here.org_id), "its own city's institution", 200, None),
        ("ent2:operator", "GET", f"/records/commitment_letter/{record}", "another enterprise's record", 404,
         "record_not_found"),
        ("ent2:operator", "GET", f"/files/{file_id}", "another enterprise's file", 404, "file_not_found"),
        ("inst:operator", "GET", f"/files/{file_id}", "an enterprise's file", 404, "file_not_found"),
        ("ent:operator", "GET", f"/records/commitment_letter/{record}", "its own record", 200, None),
        ("ent:operator", "GET", f"/files/{file_id}", "its own file", 200, None),
        ("ent:sub-account-disabled", "GET", f"/files/{file_id}", "its own organisation's file (disabled)", 401,
         "session_revoked"),
    ]
    failures = []
    for name, method, path, whose, status, code in table:
        actor = world.actor(name)
        response = world.call(method, path, actor.token())
        _check(failures, response, f"{method} {path} as {name} on {whose}", status, code)
    assert not failures, "\n".join(failures)
