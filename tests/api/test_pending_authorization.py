"""After registration the operator does no business until the unit account
grants 招采授权 (Jilin manual §1): the pending actions of both say so, at login
and in GET /me, and go once it is granted (docs/identity.md "Registration")."""
from __future__ import annotations

from tests.api.conftest import assert_error, assert_ok, pending
from tests.api.test_registration import PASSWORD, operator_info, register, unit_info

GRANT, AWAIT = "grant_procurement_authorization", "await_procurement_authorization"


def test_registration_leaves_procurement_authorization_to_the_unit_account(api, seeded):
    unit, operator = unit_info(), operator_info()
    assert_ok(register(api, unit, operator), "registration", 201)
    op_session = assert_ok(api.login(operator["mobile"], operator["password"]), "operator login", 201)
    unit_session = assert_ok(api.login(unit["unit_account"], PASSWORD), "unit login", 201)
    assert AWAIT in pending(op_session) and GRANT not in pending(op_session), op_session["pending_actions"]
    assert GRANT in pending(unit_session) and AWAIT not in pending(unit_session), unit_session["pending_actions"]
    labels = {a["code"]: a["label"] for a in op_session["pending_actions"] + unit_session["pending_actions"]}
    assert "招采授权" in labels[AWAIT] and "招采授权" in labels[GRANT], labels

    me = assert_ok(api.get("/me", token=op_session["token"]), "GET /me as the operator")
    assert me["procurement_authorized"] is False and AWAIT in pending(me), me
    assert_error(api.get("/workbench/projects", token=op_session["token"]), 403, "procurement_authorization_required",
                 "the registering operator before the grant")
    assert GRANT in pending(assert_ok(api.get("/me", token=unit_session["token"]), "GET /me as the unit account"))

    granted = api.put(f"/org/operators/{op_session['account_id']}/procurement-authorization", {"granted": True},
                      token=unit_session["token"])
    assert_ok(granted, "granting 招采授权")
    me = assert_ok(api.get("/me", token=op_session["token"]), "GET /me after the grant")
    assert me["procurement_authorized"] is True and AWAIT not in pending(me), me
    assert GRANT not in pending(assert_ok(api.get("/me", token=unit_session["token"]), "unit /me after the grant"))
