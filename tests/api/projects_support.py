"""Shared set-up of the project tests: a controlled clock, the center and an enterprise, project bodies, the
schedule, and a published project with a catalog (registered as a pytest plugin by tests/api/conftest.py, so
its fixtures are available to every API test module; import the plain helpers from here)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.api.conftest import assert_error, assert_ok

DAY = timedelta(days=1)


@pytest.fixture
def frozen(aws):
    from chalicelib import clock

    # In the past, so that tokens minted at the moved clock never carry an `iat` in the (real) future.
    fixed = clock.FixedClock(datetime.now(timezone.utc).replace(microsecond=0) - 60 * DAY)
    previous = clock.set_clock(fixed)
    yield fixed
    clock.set_clock(previous)


class People:
    """Fresh tokens on demand (minted at the clock's current instant)."""

    def __init__(self):
        from chalicelib.domain.enums import ActorKind, UnitRole
        from tests import factory

        self.platform = factory.make_org(ActorKind.PLATFORM, "630000")
        self.platform_op, _ = factory.add_operator(self.platform)
        self.ent = factory.make_org(role=UnitRole.MANUFACTURER, entered=True)
        self.ent_op, _ = factory.add_operator(self.ent)

    @property
    def center(self) -> str:
        from tests import factory

        return factory.token(self.platform_op, self.platform.org_id)

    @property
    def enterprise(self) -> str:
        from tests import factory

        return factory.token(self.ent_op, self.ent.org_id)

    @property
    def platform_unit(self) -> str:
        from tests import factory

        return factory.unit_token(self.platform)


@pytest.fixture
def people(frozen):
    return People()


def iso(at: datetime) -> str:
    return at.isoformat()


def project_body(now: datetime, **over) -> dict:
    return {
        "kind": "national_vbp", "name": "国家组织冠脉支架集中带量采购中选结果接续", "announcement": "各有关企业：……",
        "declaration_start": iso(now + DAY), "declaration_end": iso(now + 8 * DAY),
        "publication_start": iso(now + 10 * DAY), "publication_end": iso(now + 17 * DAY), **over,
    }


def run_schedule(client):
    client.lambda_.invoke("advance_project_windows", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))


def history(project_id: str) -> list[dict]:
    from chalicelib.store import audit

    return audit.history(f"project#{project_id}", limit=100, cursor=None, newest_first=False).items


def stored_status(project_id: str) -> str:
    from chalicelib.store import projects

    return projects.get(project_id).status


def create_published(api, people, now, **over) -> str:
    created = assert_ok(api.post("/projects", project_body(now, **over), token=people.center), "create", 201)
    assert_ok(api.post(f"/projects/{created['project_id']}/publish", token=people.center), "publish")
    return created["project_id"]


CODE = "C14010100100001000010000001"  # in the demo national catalog
OTHER = "C14010100100001000010000002"
OUTSIDE = "C14010100100001000010000003"  # in the national catalog, not in the project's
UNKNOWN = "C99999999999999999999999999"


def in_library(org_id: str, code27: str, approved: bool = True) -> None:
    """A product record of ``org_id`` (approved: its head has an effective revision)."""
    from chalicelib import clock
    from chalicelib.store.records import HeadItem, rec_pk

    record_id = f"product-{org_id}-{code27}"
    at = clock.now().isoformat()
    HeadItem(pk=rec_pk(record_id), sk="head", record_id=record_id, kind="product", org_id=org_id, title=code27,
             current_rev=1, current_status="approved" if approved else "pending_first",
             effective_rev=1 if approved else None, created_at=at, updated_at=at).save()


def published_with_catalog(api, center: str, now: datetime, *, peek_as: str | None = None) -> str:
    """A project (windows of ``project_body``) with CODE in bid group A组 and OTHER in B组, published; with
    ``peek_as``, first checks that this caller cannot see the draft's catalog."""
    from tests import factory

    factory.seed_demo_catalog()
    project_id = assert_ok(api.post("/projects", project_body(now), token=center), "create", 201)["project_id"]
    for code, group in ((CODE, "A组"), (OTHER, "B组")):
        assert_ok(api.put(f"/projects/{project_id}/catalog/{code}", {"bid_group": group}, token=center),
                  "catalog entry")
    if peek_as is not None:
        assert_error(api.get(f"/projects/{project_id}/catalog", token=peek_as), 404, "project_not_found",
                     "the catalog of a draft is the center's")
    assert_ok(api.post(f"/projects/{project_id}/publish", token=center), "publish")
    return project_id


@pytest.fixture
def declaring(api, people, frozen):
    """A published project with CODE and OTHER in its catalog; the clock one second before the window opens."""
    now = frozen.now()
    project_id = published_with_catalog(api, people.center, now, peek_as=people.enterprise)
    in_library(people.ent.org_id, CODE)
    in_library(people.ent.org_id, OUTSIDE)
    in_library(people.ent.org_id, OTHER, approved=False)
    frozen.set(now + DAY - timedelta(seconds=1))
    return project_id, now
