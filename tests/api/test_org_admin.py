"""单位管理 over HTTP: operators (经办人), procurement authorization (招采授权),
account roles (账号角色), sub-accounts (子账号) and closing the portal account (注销).

Every refusal is checked for its status *and* error code, and for having changed nothing."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest

from chalicelib.domain.enums import ActorKind, Permission
from tests import factory
from tests.api.conftest import assert_error, assert_ok, body, pending

NEW_PASSWORD = "Fresh#Pass2026"
REVIEWS = "/reviews/procurement-registrations"


# -- helpers -------------------------------------------------------------------





def login_ok(api, login: str, password: str, what: str) -> dict:
    return assert_ok(api.login(login, password), f"{what} (login {login})", 201)




def change_password(api, token: str, old: str, new: str = NEW_PASSWORD) -> dict:
    return assert_ok(api.put("/me/password", {"old_password": old, "new_password": new}, token=token),
                     "changing the password")


def all_pages(api, path: str, token: str, limit: int = 1) -> tuple[list[dict], int]:
    """Every item of a paged list, following the cursor; returns (items, number of pages)."""
    items, pages, cursor = [], 0, None
    while True:
        url = f"{path}?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = assert_ok(api.get(url, token=token), f"GET {url}")
        assert len(page["items"]) <= limit, f"page of {path} larger than limit={limit}: {page}"
        items += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return items, pages
        assert page["items"], f"a cursor was given with an empty page of {path}"
        assert pages < 50, "paging does not end"


def operators(api, org) -> dict[str, dict]:
    page = assert_ok(api.get("/org/operators?limit=100", token=factory.unit_token(org)), "listing operators")
    return {o["account_id"]: o for o in page["items"]}


@contextmanager
def clock_moved(seconds: int):
    """Move the clock forward (e.g. past the 60 s SMS resend gap) for the block."""
    from chalicelib import clock

    previous = clock.set_clock(clock.FixedClock(clock.now() + timedelta(seconds=seconds)))
    try:
        yield
    finally:
        clock.set_clock(previous)


def new_operator_body(mobile: str | None = None, **over) -> dict:
    data = {"mobile": mobile or factory.mobile(), "name": "陈新人", "id_type": "resident_id",
            "id_number": factory.resident_id(), "id_valid_start": "2021-05-01", "id_valid_end": None}
    data.update(over)
    return data


# -- operators -----------------------------------------------------------------

def test_operators_are_listed_page_by_page(api, aws):
    org = factory.make_org()
    ids = {factory.add_operator(org)[0] for _ in range(3)}
    other = factory.make_org()
    stranger, _ = factory.add_operator(other)

    items, pages = all_pages(api, "/org/operators", factory.unit_token(org), limit=1)
    listed = [o["account_id"] for o in items]
    assert sorted(listed) == sorted(ids), f"paging with limit=1 should yield the 3 operators once each, got {listed}"
    assert pages == 3, f"3 operators at limit=1 are 3 pages (the last without a cursor), got {pages}"
    assert stranger not in listed, "an operator of another organisation was listed"
    for o in items:
        assert o["status"] == "bound" and o["procurement_authorized"] is True, o
        assert o["role_ids"] == [org.role_id], f"factory operators hold the default role: {o}"
        assert o["mobile"].startswith("139") and len(o["mobile"]) == 11, o

    first_page = assert_ok(api.get("/org/operators?limit=1", token=factory.unit_token(org)), "first page")
    replayed = api.get(f"/org/operators?limit=1&cursor={first_page['next_cursor']}", token=factory.unit_token(other))
    assert_error(replayed, 400, "invalid_cursor", "another organisation replaying this list's cursor")

    as_operator = api.get("/org/operators", token=factory.token(next(iter(ids)), org.org_id))
    assert_error(as_operator, 403, "account_kind_forbidden", "an operator listing the operators (unit account only)")


def test_a_new_operator_gets_a_temporary_password_and_must_change_it_first(api, aws):
    org = factory.make_org()
    unit = factory.unit_token(org)
    request = new_operator_body()
    added = assert_ok(api.post("/org/operators", request, token=unit), "adding a new operator", 201)
    temp = added["temporary_password"]
    assert temp, f"a newly created operator must come with a temporary password: {added}"
    op = added["operator"]
    assert op["mobile"] == request["mobile"] and op["name"] == "陈新人" and op["status"] == "bound", op
    assert op["procurement_authorized"] is False, "authorization is granted separately (招采授权)"
    assert op["role_ids"] == [], op
    assert op["account_id"] in operators(api, org), "the new operator is not listed"

    first = login_ok(api, request["mobile"], temp, "first login with the temporary password")
    assert first["scope"] == "password_change", f"a temporary password gives a password_change token: {first}"
    assert "change_password" in pending(first), first["pending_actions"]
    restricted = first["token"]
    for method, path in (("get", "/org"), ("post", "/sessions/refresh"), ("get", "/org/procurement-registration")):
        call = getattr(api, method)
        response = call(path, token=restricted) if method == "get" else call(path, {}, token=restricted)
        assert_error(response, 403, "password_change_required", f"{method.upper()} {path} before the password change")

    changed = change_password(api, restricted, temp)
    assert changed["scope"] == "org" and changed["org_id"] == org.org_id, changed
    assert "change_password" not in pending(changed), changed["pending_actions"]
    assert_ok(api.get("/org", token=changed["token"]), "GET /org after the change")
    assert_error(api.login(request["mobile"], temp), 401, "invalid_credentials", "the temporary password after the change")
    normal = login_ok(api, request["mobile"], NEW_PASSWORD, "login with the new password")
    assert normal["scope"] == "org" and "change_password" not in pending(normal), normal


def test_a_new_operator_needs_valid_identity_facts_and_nothing_is_created_otherwise(api, aws):
    org = factory.make_org()
    unit = factory.unit_token(org)
    mobile = factory.mobile()
    missing = api.post("/org/operators", {"mobile": mobile}, token=unit)
    error = assert_error(missing, 400, "validation_failed", "a new operator without name and ID")
    fields = {d["field"] for d in error["details"]}
    assert {"name", "id_type", "id_number", "id_valid_start"} <= fields, f"every missing fact is reported: {fields}"

    bad_id = factory.resident_id()
    bad_id = bad_id[:17] + ("0" if bad_id[17] != "0" else "1")
    assert_error(api.post("/org/operators", new_operator_body(mobile, id_number=bad_id), token=unit), 400,
                 "check_digit", "a resident ID with a wrong check digit")
    from chalicelib import clock

    future = (clock.today_cn() + timedelta(days=3)).isoformat()
    assert_error(api.post("/org/operators", new_operator_body(mobile, id_valid_start=future), token=unit), 400,
                 "id_not_yet_valid", "an ID whose validity starts in the future")
    assert_error(api.post("/org/operators", new_operator_body("12345"), token=unit), 400, "malformed",
                 "a malformed mobile")
    assert operators(api, org) == {}, "a refused request created an operator"
    again = assert_ok(api.post("/org/operators", new_operator_body(mobile), token=unit),
                      "the same mobile once the facts are right", 201)
    assert again["temporary_password"], "the refusals must not have left a half-created operator behind"


def test_binding_an_existing_operator_needs_their_sms_code(api, aws):
    home = factory.make_org(name="原单位甲")
    op_id, mobile = factory.add_operator(home)
    org = factory.make_org(name="新单位乙")
    unit = factory.unit_token(org)

    without = api.post("/org/operators", {"mobile": mobile}, token=unit)
    error = assert_error(without, 400, "sms_code_required", "binding an existing operator without an SMS code")
    assert [d["field"] for d in error["details"]] == ["sms_code"], error
    assert_error(api.post("/org/operators", {"mobile": mobile, "sms_code": "000000"}, token=unit), 400,
                 "sms_code_invalid", "binding with a code never sent")
    assert operators(api, org) == {}, "a refused bind left a membership"

    code = api.sms_code(mobile, "bind_operator")
    bound = assert_ok(api.post("/org/operators", {"mobile": mobile, "sms_code": code}, token=unit),
                      "binding with the operator's SMS code", 201)
    assert bound["temporary_password"] is None, "an existing operator keeps their password"
    assert bound["operator"]["account_id"] == op_id and bound["operator"]["status"] == "bound", bound
    assert bound["operator"]["procurement_authorized"] is False, bound
    assert_error(api.post("/org/operators", {"mobile": mobile, "sms_code": code}, token=unit), 400,
                 "sms_code_invalid", "replaying the bind code")

    with clock_moved(61):
        again = api.sms_code(mobile, "bind_operator")
        assert_error(api.post("/org/operators", {"mobile": mobile, "sms_code": again}, token=unit), 409,
                     "operator_already_bound", "binding an operator who is already bound")

    choosing = login_ok(api, mobile, factory.PASSWORD, "the operator of two organisations")
    assert choosing["scope"] == "select_org" and choosing["org_id"] is None, choosing
    choices = {o["org_id"]: o for o in choosing["organisations"]}
    assert set(choices) == {home.org_id, org.org_id}, f"both organisations are offered: {choosing['organisations']}"
    assert choices[home.org_id]["name"] == "原单位甲" and choices[home.org_id]["procurement_authorized"] is True
    assert choices[org.org_id]["name"] == "新单位乙" and choices[org.org_id]["procurement_authorized"] is False
    assert_error(api.get("/org", token=choosing["token"]), 403, "organisation_not_selected",
                 "GET /org before choosing an organisation")

    stranger = factory.make_org()
    assert_error(api.post("/sessions/organisation", {"org_id": stranger.org_id}, token=choosing["token"]), 403,
                 "not_a_member", "choosing an organisation the operator does not belong to")
    picked = assert_ok(api.post("/sessions/organisation", {"org_id": org.org_id}, token=choosing["token"]),
                       "choosing the new organisation")
    assert picked["scope"] == "org" and picked["org_id"] == org.org_id, picked
    mine = assert_ok(api.get("/org", token=picked["token"]), "GET /org as the chosen organisation")
    assert mine["org_id"] == org.org_id, mine


def test_unbinding_revokes_the_operator_at_the_next_request(api, aws):
    org = factory.make_org()
    unit = factory.unit_token(org)
    op_id, mobile = factory.add_operator(org)
    token = factory.token(op_id, org.org_id)
    assert_ok(api.get("/me", token=token), "the operator before being unbound")
    dual_id, dual_mobile = factory.add_operator(org)
    elsewhere = factory.make_org()
    factory.add_operator(elsewhere, existing=dual_id)

    assert_ok(api.delete(f"/org/operators/{op_id}", token=unit), "unbinding")
    assert_error(api.get("/me", token=token), 401, "session_revoked", "the unbound operator's existing token")
    assert_error(api.login(mobile, factory.PASSWORD), 403, "no_organisation",
                 "login of an operator bound to no organisation")
    listed = operators(api, org)[op_id]
    assert listed["status"] == "unbound" and listed["procurement_authorized"] is False, \
        f"an unbound operator is kept (never deleted) and loses the authorization: {listed}"
    assert_error(api.delete(f"/org/operators/{op_id}", token=unit), 409, "operator_not_bound", "unbinding twice")

    assert_ok(api.delete(f"/org/operators/{dual_id}", token=unit), "unbinding the operator of two organisations")
    direct = login_ok(api, dual_mobile, factory.PASSWORD, "the operator left with one organisation")
    assert direct["scope"] == "org" and direct["org_id"] == elsewhere.org_id, direct
    assert [o["org_id"] for o in direct["organisations"]] == [elsewhere.org_id], direct["organisations"]

    foreign_id, _ = factory.add_operator(elsewhere)
    assert_error(api.delete(f"/org/operators/{foreign_id}", token=unit), 404, "account_not_found",
                 "unbinding another organisation's operator")
    assert operators(api, elsewhere)[foreign_id]["status"] == "bound", "the foreign operator was touched"
    assert_error(api.delete("/org/operators/0123456789abcdef0123456789abcdef", token=unit), 404, "account_not_found",
                 "unbinding an unknown account")


def test_resetting_an_operator_password_issues_one_to_change(api, aws):
    org = factory.make_org()
    unit = factory.unit_token(org)
    op_id, mobile = factory.add_operator(org)
    token = factory.token(op_id, org.org_id)

    issued = assert_ok(api.post(f"/org/operators/{op_id}/password-reset", token=unit), "resetting the password")
    assert issued["account_id"] == op_id and issued["login"] == mobile and issued["temporary_password"], issued
    assert_error(api.get("/me", token=token), 401, "session_revoked", "a token issued before the reset")
    assert_error(api.login(mobile, factory.PASSWORD), 401, "invalid_credentials", "the old password after a reset")
    first = login_ok(api, mobile, issued["temporary_password"], "login with the issued password")
    assert first["scope"] == "password_change" and "change_password" in pending(first), first
    assert_error(api.get("/org", token=first["token"]), 403, "password_change_required", "GET /org before the change")
    done = change_password(api, first["token"], issued["temporary_password"])
    assert done["scope"] == "org", done
    assert login_ok(api, mobile, NEW_PASSWORD, "login after the change")["scope"] == "org"

    foreign = factory.make_org()
    foreign_id, foreign_mobile = factory.add_operator(foreign)
    assert_error(api.post(f"/org/operators/{foreign_id}/password-reset", token=unit), 404, "account_not_found",
                 "resetting another organisation's operator")
    assert login_ok(api, foreign_mobile, factory.PASSWORD, "the foreign operator's password still works")
    assert_ok(api.delete(f"/org/operators/{op_id}", token=unit), "unbinding")
    assert_error(api.post(f"/org/operators/{op_id}/password-reset", token=unit), 409, "operator_not_bound",
                 "resetting an unbound operator's password")


def test_procurement_authorization_is_granted_and_revoked_by_the_unit(api, aws):
    platform = factory.make_org(ActorKind.PLATFORM, "630000")
    unit = factory.unit_token(platform)
    op_id, _ = factory.add_operator(platform, authorized=False)
    token = factory.token(op_id, platform.org_id)

    assert_error(api.get(REVIEWS, token=token), 403, "procurement_authorization_required",
                 "business without the procurement authorization")
    granted = assert_ok(api.put(f"/org/operators/{op_id}/procurement-authorization", {"granted": True}, token=unit),
                        "granting")
    assert granted["procurement_authorized"] is True and granted["account_id"] == op_id, granted
    assert_ok(api.get(REVIEWS, token=token), "business with the authorization (same token, next request)")
    assert operators(api, platform)[op_id]["procurement_authorized"] is True

    revoked = assert_ok(api.put(f"/org/operators/{op_id}/procurement-authorization", {"granted": False}, token=unit),
                        "revoking")
    assert revoked["procurement_authorized"] is False, revoked
    assert_error(api.get(REVIEWS, token=token), 403, "procurement_authorization_required",
                 "business after the authorization was revoked")
    assert_error(api.put(f"/org/operators/{op_id}/procurement-authorization", {"granted": "maybe"}, token=unit), 400,
                 "validation_failed", "a non-boolean grant")
    other = factory.make_org(ActorKind.PLATFORM, "630000")
    foreign_id, _ = factory.add_operator(other, authorized=False)
    assert_error(api.put(f"/org/operators/{foreign_id}/procurement-authorization", {"granted": True}, token=unit),
                 404, "account_not_found", "authorizing another organisation's operator")
    assert operators(api, other)[foreign_id]["procurement_authorized"] is False, "the foreign operator was changed"


# -- account roles -------------------------------------------------------------

def roles(api, org) -> dict[str, dict]:
    page = assert_ok(api.get("/org/roles?limit=100", token=factory.unit_token(org)), "listing roles")
    return {r["role_id"]: r for r in page["items"]}


def assigned(api, org, role_id) -> dict[str, str]:
    page = assert_ok(api.get(f"/org/roles/{role_id}/accounts?limit=100", token=factory.unit_token(org)),
                     "listing assigned accounts")
    return {a["account_id"]: a["account_kind"] for a in page["items"]}


def create_sub(api, org, login: str, role_ids=(), name: str = "赵子账") -> dict:
    return assert_ok(api.post("/org/sub-accounts", {"login": login, "name": name, "role_ids": list(role_ids)},
                              token=factory.unit_token(org)), f"creating sub-account {login}", 201)


def test_account_roles_from_creation_to_deletion(api, aws):
    org = factory.make_org()
    unit = factory.unit_token(org)
    before = roles(api, org)
    assert list(before) == [org.role_id], f"only the default role at first: {before}"
    assert set(before[org.role_id]["permissions"]) == factory.all_permissions(ActorKind.ENTERPRISE)

    outside = api.post("/org/roles", {"name": "审核员", "permissions": ["registration_review", "declaration"]},
                       token=unit)
    error = assert_error(outside, 400, "permission_not_applicable", "an enterprise role with a platform permission")
    assert "registration_review" in error["message"] and error["details"][0]["field"] == "permissions", error
    assert_error(api.post("/org/roles", {"name": "x", "permissions": ["fly"]}, token=unit), 400, "validation_failed",
                 "an unknown permission")
    assert_error(api.post("/org/roles", {"name": "", "permissions": []}, token=unit), 400, "validation_failed",
                 "an empty role name")
    assert roles(api, org) == before, "a refused role was created"

    created = assert_ok(api.post("/org/roles", {"name": "产品专员", "remark": "维护与申报",
                                                "permissions": ["product_maintain", "declaration"]}, token=unit),
                        "creating a role", 201)
    role_id = created["role_id"]
    assert created["name"] == "产品专员" and created["remark"] == "维护与申报", created
    assert created["permissions"] == ["declaration", "product_maintain"], created
    assert set(roles(api, org)) == {org.role_id, role_id}

    renamed = assert_ok(api.patch(f"/org/roles/{role_id}", {"name": "产品经办", "remark": "改名"}, token=unit),
                        "renaming")
    assert renamed["name"] == "产品经办" and renamed["remark"] == "改名", renamed
    assert renamed["permissions"] == ["declaration", "product_maintain"], "a rename keeps the permissions"
    assert_error(api.patch(f"/org/roles/{role_id}", {"permissions": ["allocation_fill"]}, token=unit), 400,
                 "permission_not_applicable", "patching in a permission the kind cannot grant")
    assert roles(api, org)[role_id] == renamed, "a refused patch changed the role"
    assert_error(api.patch("/org/roles/0123456789abcdef0123456789abcdef", {"name": "x"}, token=unit), 404,
                 "role_not_found", "patching an unknown role")
    other = factory.make_org()
    assert_error(api.patch(f"/org/roles/{other.role_id}", {"name": "劫持"}, token=unit), 404, "role_not_found",
                 "patching another organisation's role")
    assert roles(api, other)[other.role_id]["name"] == "全部业务权限", "the foreign role was renamed"

    op_id, _ = factory.add_operator(org, with_default_role=False)
    sub = create_sub(api, org, "clerk_roles")["sub_account"]
    assert_ok(api.put(f"/org/roles/{role_id}/accounts/{op_id}", token=unit), "assigning to an operator")
    assert_ok(api.put(f"/org/roles/{role_id}/accounts/{sub['account_id']}", token=unit), "assigning to a sub-account")
    assert assigned(api, org, role_id) == {op_id: "operator", sub["account_id"]: "sub_account"}
    assert operators(api, org)[op_id]["role_ids"] == [role_id]
    me = assert_ok(api.get("/me", token=factory.token(op_id, org.org_id)), "the operator's /me")
    assert me["permissions"] == ["declaration", "product_maintain"], f"the role's permissions reach the operator: {me}"
    subs = assert_ok(api.get("/org/sub-accounts", token=unit), "listing sub-accounts")["items"]
    assert subs[0]["role_ids"] == [role_id], subs
    again = assert_ok(api.put(f"/org/roles/{role_id}/accounts/{op_id}", token=unit), "assigning twice")
    assert again["ok"] is True and assigned(api, org, role_id) == {op_id: "operator", sub["account_id"]: "sub_account"}

    foreign_op, _ = factory.add_operator(other)
    assert_error(api.put(f"/org/roles/{role_id}/accounts/{foreign_op}", token=unit), 404, "account_not_found",
                 "assigning a role to another organisation's operator")
    assert_error(api.put(f"/org/roles/{role_id}/accounts/{org.unit_account_id}", token=unit), 404, "account_not_found",
                 "assigning a role to the unit account")

    assert_error(api.delete(f"/org/roles/{role_id}", token=unit), 409, "role_in_use", "deleting a role in use")
    assert role_id in roles(api, org), "a role in use was deleted"

    assert_ok(api.delete(f"/org/roles/{role_id}/accounts/{op_id}", token=unit), "unassigning the operator")
    assert_ok(api.delete(f"/org/roles/{role_id}/accounts/{sub['account_id']}", token=unit), "unassigning the sub")
    assert assigned(api, org, role_id) == {}, "accounts still listed after being unassigned"
    assert operators(api, org)[op_id]["role_ids"] == []
    me = assert_ok(api.get("/me", token=factory.token(op_id, org.org_id)), "the operator's /me")
    assert me["permissions"] == [], f"an unassigned role's permissions linger: {me}"

    assert_ok(api.delete(f"/org/roles/{role_id}", token=unit), "deleting an unused role")
    assert role_id not in roles(api, org)
    assert_error(api.delete(f"/org/roles/{role_id}", token=unit), 404, "role_not_found", "deleting it again")
    assert_error(api.get(f"/org/roles/{role_id}/accounts", token=unit), 404, "role_not_found",
                 "listing the accounts of a deleted role")
    assert_error(api.put(f"/org/roles/{role_id}/accounts/{op_id}", token=unit), 404, "role_not_found",
                 "assigning a deleted role")


def test_an_unbound_operator_can_be_bound_again_with_a_fresh_sms_code(api, aws):
    org = factory.make_org()
    unit = factory.unit_token(org)
    op_id, mobile = factory.add_operator(org)
    assert_ok(api.delete(f"/org/operators/{op_id}", token=unit), "unbinding")
    code = api.sms_code(mobile, "bind_operator")
    rebound = assert_ok(api.post("/org/operators", {"mobile": mobile, "sms_code": code}, token=unit),
                        "binding the unbound operator again", 201)
    assert rebound["operator"]["account_id"] == op_id and rebound["operator"]["status"] == "bound", rebound
    assert rebound["operator"]["procurement_authorized"] is False, "a new binding starts without authorization"
    session = login_ok(api, mobile, factory.PASSWORD, "the operator bound again")
    assert session["scope"] == "org" and session["org_id"] == org.org_id, session


def test_a_role_held_only_by_an_unbound_operator_no_longer_counts_as_in_use(api, aws):
    """Unbinding ends the operator's place in the organisation: the roles it held there
    must not stay "in use" by an account the unit can no longer unassign (404 on an unbound operator)."""
    org = factory.make_org()
    unit = factory.unit_token(org)
    role_id = assert_ok(api.post("/org/roles", {"name": "临时角色", "permissions": ["declaration"]}, token=unit),
                        "creating a role", 201)["role_id"]
    op_id, _ = factory.add_operator(org, with_default_role=False)
    assert_ok(api.put(f"/org/roles/{role_id}/accounts/{op_id}", token=unit), "assigning")
    assert_ok(api.delete(f"/org/operators/{op_id}", token=unit), "unbinding the only holder")

    holders = assigned(api, org, role_id)
    assert op_id not in holders, f"an unbound operator is still listed as holding the role: {holders}"
    deleted = api.delete(f"/org/roles/{role_id}", token=unit)
    assert deleted.status_code == 200, \
        f"a role whose only holder was unbound cannot be deleted: {deleted.status_code} {deleted.body}"


def test_roles_are_listed_page_by_page(api, aws):
    org = factory.make_org()
    unit = factory.unit_token(org)
    made = {org.role_id}
    for name in ("甲角色", "乙角色"):
        made.add(assert_ok(api.post("/org/roles", {"name": name}, token=unit), "creating", 201)["role_id"])
    items, pages = all_pages(api, "/org/roles", unit, limit=1)
    assert sorted(r["role_id"] for r in items) == sorted(made) and pages == 3, (items, pages)


def test_a_permission_taken_from_a_role_is_refused_at_the_next_request(api, aws):
    platform = factory.make_org(ActorKind.PLATFORM, "630000")
    unit = factory.unit_token(platform)
    token = factory.operator_token(platform)
    assert_ok(api.get(REVIEWS, token=token), "the review queue with every platform permission")

    keep = sorted(factory.all_permissions(ActorKind.PLATFORM) - {Permission.REGISTRATION_REVIEW.value})
    patched = assert_ok(api.patch(f"/org/roles/{platform.role_id}", {"permissions": keep}, token=unit),
                        "removing registration_review from the only role")
    assert "registration_review" not in patched["permissions"], patched
    assert_error(api.get(REVIEWS, token=token), 403, "permission_required",
                 "the same token right after the permission was removed")

    assert_ok(api.patch(f"/org/roles/{platform.role_id}", {"permissions": []}, token=unit), "emptying the role")
    assert roles(api, platform)[platform.role_id]["permissions"] == []
    assert_error(api.get(REVIEWS, token=token), 403, "permission_required", "a role without any permission")
    assert_ok(api.patch(f"/org/roles/{platform.role_id}", {"permissions": ["registration_review"]}, token=unit),
              "giving it back")
    assert_ok(api.get(REVIEWS, token=token), "the permission is back at the next request")


# -- sub-accounts --------------------------------------------------------------

def test_sub_account_lifecycle(api, aws):
    org = factory.make_org()
    unit = factory.unit_token(org)

    digit_first = api.post("/org/sub-accounts", {"login": "1clerk", "name": "赵子账"}, token=unit)
    error = assert_error(digit_first, 400, "malformed", "a sub-account login starting with a digit")
    assert "login" in {d["field"] for d in error["details"]}, error
    assert_error(api.post("/org/sub-accounts", {"login": "clerk_x", "name": "赵子账", "role_ids": ["nope"]},
                          token=unit), 400, "role_not_found", "a sub-account with an unknown role")
    assert assert_ok(api.get("/org/sub-accounts", token=unit), "listing")["items"] == [], "a refused sub was created"

    created = create_sub(api, org, "clerk_a", [org.role_id])
    sub, temp = created["sub_account"], created["temporary_password"]
    assert temp and sub["login"] == "clerk_a" and sub["status"] == "active" and sub["role_ids"] == [org.role_id], created
    assert_error(api.post("/org/sub-accounts", {"login": "CLERK_A", "name": "钱子账"}, token=unit), 409,
                 "unit_account_taken", "a login taken (case-insensitively) by another sub-account")
    assert_error(api.post("/org/sub-accounts", {"login": org.unit_login, "name": "钱子账"}, token=unit), 409,
                 "unit_account_taken", "a login taken by the unit account")
    listed = assert_ok(api.get("/org/sub-accounts", token=unit), "listing")["items"]
    assert [s["account_id"] for s in listed] == [sub["account_id"]], f"taken logins created nothing: {listed}"

    sid = sub["account_id"]
    assert_error(api.patch(f"/org/sub-accounts/{sid}", {"role_ids": [org.role_id, "nope"]}, token=unit), 400,
                 "role_not_found", "patching in an unknown role")
    unchanged = assert_ok(api.get("/org/sub-accounts", token=unit), "listing")["items"][0]
    assert unchanged["role_ids"] == [org.role_id], f"a refused patch changed the roles: {unchanged}"
    patched = assert_ok(api.patch(f"/org/sub-accounts/{sid}", {"name": "赵改名", "role_ids": []}, token=unit),
                        "patching name and roles")
    assert patched["name"] == "赵改名" and patched["role_ids"] == [], patched
    assert assigned(api, org, org.role_id).get(sid) is None, "the assignment link survived the patch"
    patched = assert_ok(api.patch(f"/org/sub-accounts/{sid}", {"role_ids": [org.role_id]}, token=unit), "re-adding")
    assert patched["role_ids"] == [org.role_id] and assigned(api, org, org.role_id).get(sid) == "sub_account"

    first = login_ok(api, "clerk_a", temp, "the sub-account's first login")
    assert first["scope"] == "password_change" and "change_password" in pending(first), first
    session = change_password(api, first["token"], temp)
    assert session["scope"] == "org" and session["org_id"] == org.org_id, session
    token = session["token"]
    me = assert_ok(api.get("/me", token=token), "the sub-account's /me")
    assert me["account_kind"] == "sub_account" and set(me["permissions"]) == factory.all_permissions(
        ActorKind.ENTERPRISE), me

    disabled = assert_ok(api.post(f"/org/sub-accounts/{sid}/disable", token=unit), "disabling")
    assert disabled["status"] == "disabled" and disabled["status_label"] == "已停用", disabled
    assert_error(api.get("/me", token=token), 401, "session_revoked", "a token issued before the disabling")
    assert_error(api.login("clerk_a", NEW_PASSWORD), 403, "account_disabled", "login of a disabled sub-account")
    enabled = assert_ok(api.post(f"/org/sub-accounts/{sid}/enable", token=unit), "enabling")
    assert enabled["status"] == "active", enabled
    assert_error(api.get("/me", token=token), 401, "session_revoked",
                 "a token from before the disabling stays revoked after enabling")
    again = login_ok(api, "CLERK_A", NEW_PASSWORD, "login once enabled again (login names are case-insensitive)")
    assert again["scope"] == "org" and again["account_id"] == sid, again
    assert_ok(api.get("/me", token=again["token"]), "the new session works")

    issued = assert_ok(api.post(f"/org/sub-accounts/{sid}/password-reset", token=unit), "resetting the password")
    assert issued["account_id"] == sid and issued["login"] == "clerk_a" and issued["temporary_password"], issued
    assert_error(api.get("/me", token=again["token"]), 401, "session_revoked", "a session from before the reset")
    assert_error(api.login("clerk_a", NEW_PASSWORD), 401, "invalid_credentials", "the old password after the reset")
    after = login_ok(api, "clerk_a", issued["temporary_password"], "login with the issued password")
    assert after["scope"] == "password_change" and "change_password" in pending(after), after


def test_sub_accounts_of_another_organisation_are_not_found(api, aws):
    org = factory.make_org()
    other = factory.make_org()
    foreign = create_sub(api, other, "foreign_clerk", [other.role_id])["sub_account"]["account_id"]
    unit = factory.unit_token(org)
    for method, path, payload in (
            ("patch", f"/org/sub-accounts/{foreign}", {"name": "劫持者"}),
            ("post", f"/org/sub-accounts/{foreign}/disable", None),
            ("post", f"/org/sub-accounts/{foreign}/enable", None),
            ("post", f"/org/sub-accounts/{foreign}/password-reset", None)):
        response = getattr(api, method)(path, payload, token=unit)
        assert_error(response, 404, "account_not_found", f"{method.upper()} {path} on another organisation's sub")
    theirs = assert_ok(api.get("/org/sub-accounts", token=factory.unit_token(other)), "listing")["items"][0]
    assert theirs["name"] == "赵子账" and theirs["status"] == "active", f"the foreign sub was changed: {theirs}"
    assert assert_ok(api.get("/org/sub-accounts", token=unit), "listing")["items"] == []


def test_sub_accounts_are_listed_page_by_page(api, aws):
    org = factory.make_org()
    made = {create_sub(api, org, f"clerk_{n}")["sub_account"]["account_id"] for n in range(3)}
    items, pages = all_pages(api, "/org/sub-accounts", factory.unit_token(org), limit=1)
    assert sorted(s["account_id"] for s in items) == sorted(made) and pages == 3, (items, pages)


# -- closing the portal account --------------------------------------------------

def test_closing_the_portal_account(api, aws, seeded):
    org = factory.make_org(name="将注销单位")
    unit = factory.unit_token(org)
    only_id, only_mobile = factory.add_operator(org)
    only_token = factory.token(only_id, org.org_id)
    dual_id, dual_mobile = factory.add_operator(org)
    elsewhere = factory.make_org()
    factory.add_operator(elsewhere, existing=dual_id)
    sub = create_sub(api, org, "closing_clerk")
    with_changed = change_password(api, login_ok(api, "closing_clerk", sub["temporary_password"], "sub")["token"],
                                   sub["temporary_password"])

    wrong_code = factory.credit_code()
    error = assert_error(api.post("/org/closure", {"confirm_credit_code": wrong_code, "password": factory.PASSWORD},
                                  token=unit), 400, "validation_failed", "closing with another credit code")
    assert error["details"][0]["field"] == "confirm_credit_code", error
    assert_error(api.post("/org/closure", {"confirm_credit_code": org.credit_code, "password": "Wrong#Pass2026"},
                          token=unit), 400, "wrong_password", "closing with a wrong password")
    assert_error(api.post("/org/closure", {"confirm_credit_code": org.credit_code, "password": factory.PASSWORD},
                          token=only_token), 403, "account_kind_forbidden", "an operator closing the organisation")
    still = assert_ok(api.get("/org", token=unit), "the organisation after refused closures")
    assert still["status"] == "active", still
    assert login_ok(api, org.unit_login, factory.PASSWORD, "the unit account before closing")["scope"] == "org"

    closed = assert_ok(api.post("/org/closure", {"confirm_credit_code": org.credit_code.lower(),
                                                 "password": factory.PASSWORD}, token=unit), "closing")
    assert closed["ok"] is True, closed

    assert_error(api.get("/org", token=unit), 401, "session_revoked", "the unit account's token after closing")
    for login in (org.unit_login, org.credit_code):
        response = api.login(login, factory.PASSWORD)
        assert response.status_code in (401, 403) and body(response)["error"]["code"] in (
            "invalid_credentials", "organisation_closed"), f"login {login} to a closed organisation: {response.body}"
    assert_error(api.get("/me", token=only_token), 401, "session_revoked", "an operator token of a closed organisation")
    assert_error(api.login(only_mobile, factory.PASSWORD), 403, "no_organisation",
                 "an operator whose only organisation is closed")
    dual = login_ok(api, dual_mobile, factory.PASSWORD, "an operator with another organisation")
    assert dual["scope"] == "org" and dual["org_id"] == elsewhere.org_id, dual
    assert [o["org_id"] for o in dual["organisations"]] == [elsewhere.org_id], "a closed organisation was offered"
    assert_error(api.get("/me", token=with_changed["token"]), 401, "session_revoked", "a sub-account token")
    assert_error(api.login("closing_clerk", NEW_PASSWORD), 403, "organisation_closed",
                 "a sub-account of a closed organisation")

    unit_check = {"unit_account": "reuse_try", "password": "Reg#Strong2026", "unit_name": "重新注册单位",
                  "credit_code": org.credit_code, "kind": "enterprise", "region_code": "630100", "legal_rep": "张三",
                  "contact_name": "李四", "contact_phone": "13912345678", **api.captcha()}
    assert_error(api.post("/registrations/unit-check", unit_check), 409, "credit_code_taken",
                 "the credit code of a closed organisation stays taken")
    fresh = {**unit_check, "credit_code": factory.credit_code(), **api.captcha()}
    assert_ok(api.post("/registrations/unit-check", fresh), "the same check with a free code (control)")


@pytest.mark.parametrize("path,method", [("/org/operators", "get"), ("/org/roles", "get"),
                                         ("/org/sub-accounts", "get")])
def test_org_administration_is_for_the_unit_account_only(api, aws, path, method):
    org = factory.make_org()
    token = factory.operator_token(org)
    assert_error(getattr(api, method)(path, token=token), 403, "account_kind_forbidden", f"an operator on {path}")
    response = getattr(api, method)(path)
    assert response.status_code in (401, 403), f"no token on {path}: {response.status_code} {response.body}"
