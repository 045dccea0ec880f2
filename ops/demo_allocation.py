"""The demo allocation task `make run` seeds (docs/allocation.md "Demo"): a small alliance —
2 provinces (青海, 甘肃), 3 cities (西宁, 海东, 兰州), 20 institutions, 5 bid groups — in mid-flight:
some institutions not filled (the demo hospital among them), some submitted, one returned with a
reason, 海东 approved all and submitted to 青海. Everything goes through the services (and the
review steps on Step Functions). Idempotent by task name."""
from __future__ import annotations

import random
from datetime import timedelta

TASK_NAME = "八省二区补片类医用耗材集中带量采购分量（演示）"
CITIES = {"630100": ("西宁", 8), "630200": ("海东", 6), "620100": ("兰州", 6)}  # the demo hospital is 西宁's 8th
RULE = {"base_percent": {"2": 60, "3": 60, "4": 50},
        "rank_weights": {"2": [6, 4], "3": [5, 3, 2], "4": [4, 3, 2, 1]}}
OTHER_WINNERS = [("91110000MA00000017", "北京补片医疗科技有限公司"), ("91310000MA00000024", "上海医用材料有限公司")]


def _existing(name: str) -> str | None:
    from chalicelib.store import allocation as store

    cursor = None
    while True:
        page = store.tasks(limit=100, cursor=cursor)
        for task in page.items:
            if task.name == name:
                return task.task_id
        cursor = page.next_cursor
        if not cursor:
            return None


def _institutions(orgs: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    """(org id, credit code, city) of the demo institutions: the demo hospital and 19 made here (unit accounts
    ``demo_inst_NN``, password as the other demo logins)."""
    from chalicelib import clock
    from chalicelib.domain.enums import ActorKind, UnitRole
    from chalicelib.security import passwords
    from chalicelib.services.identity.registration import add_org_with_unit_account
    from chalicelib.store import identity as store
    from chalicelib.store.identity import OrgItem
    from chalicelib.store.uow import UnitOfWork
    from ops.seed import DEMO_PASSWORD, _credit_code

    hospital = next(o for o in orgs if o["key"] == "hospital")
    out = [(store.claim_owner(store.credit_pk(hospital["credit_code"])), hospital["credit_code"], "630100")]
    hashed = None
    n = 0
    for city, (name, count) in CITIES.items():
        for i in range(count - (1 if city == "630100" else 0)):
            n += 1
            code = _credit_code(f"12{city}MC00{n:05d}")
            org_id = store.claim_owner(store.credit_pk(code))
            if org_id is None:
                hashed = hashed or passwords.hash_password(DEMO_PASSWORD)
                uow = UnitOfWork()
                org, _, _ = add_org_with_unit_account(
                    uow, ActorKind.MEDICAL_INSTITUTION, f"{name}市第{i + 2}人民医院（演示）", code, city,
                    f"demo_inst_{n:02d}", hashed, clock.now(), provisioned=False, actor="seed",
                    legal_rep="张法人", contact_name="联系人", contact_phone="13900000000")
                uow.commit()
                store.get_org(org.org_id).update(actions=[OrgItem.certified_role.set(UnitRole.MEDICAL_INSTITUTION.value)])
                org_id = org.org_id
            out.append((org_id, code, city))
    return out


def _acting(org_id: str, kind):
    """The institution as the services see it (the seed acts for it; no operator needed)."""
    from chalicelib.domain.access import Principal
    from chalicelib.domain.enums import AccountKind
    from chalicelib.store import identity as store

    org = store.get_org(org_id)
    return Principal(account_id=f"seed-{org_id[:8]}", account_kind=AccountKind.OPERATOR, login="seed",
                     org_id=org_id, org_kind=kind, org_region=org.region_code)


def seed(orgs: list[dict[str, str]], principal) -> dict:
    """The demo task in mid-flight; ``principal(orgs, key)`` gives a demo operator as the services see it."""
    from chalicelib import clock
    from chalicelib.domain.enums import ActorKind
    from chalicelib.schemas.allocation import SheetSave, TaskCreate
    from chalicelib.services.allocation import chain, demand, sheets, tasks

    existing = _existing(TASK_NAME)
    office = principal(orgs, "alliance")
    if existing:
        return tasks.detail(office, existing).model_dump(mode="json")
    codes = {o["key"]: o["credit_code"] for o in orgs}
    pool = [(codes["manufacturer"], "青海医疗器械制造有限公司"), (codes["distributor"], "青海康达医药配送有限公司"),
            *OTHER_WINNERS]
    groups = []
    for g, winners in enumerate((2, 3, 4, 2, 3), start=1):
        chosen = pool[:winners] if g % 2 else pool[::-1][:winners]
        groups.append({"code": f"G{g:02d}", "name": f"{'ABCDE'[g - 1]}组", "item_code": f"BP{g:02d}",
                       "item_name": ("疝补片", "脑脊膜补片", "心脏补片", "盆底补片", "硬脑膜补片")[g - 1],
                       "winners": [{"credit_code": c, "name": n, "rank": r, "price": f"{900 - 60 * r - 10 * g}.00"}
                                   for r, (c, n) in enumerate(chosen, start=1)]})
    now = clock.now().replace(microsecond=0)
    day = timedelta(days=1)
    task = tasks.create(office, TaskCreate.model_validate({
        "name": TASK_NAME, "rule": RULE, "groups": groups, "fill_deadline": (now + 7 * day).isoformat(),
        "city_deadline": (now + 14 * day).isoformat(), "province_deadline": (now + 21 * day).isoformat(),
        "alliance_deadline": (now + 28 * day).isoformat()}))
    institutions = _institutions(orgs)
    rnd = random.Random(11)
    rows = []
    for org_id, code, _ in institutions:
        for group in groups:
            if rnd.random() < 0.85:
                rows.append((len(rows) + 2, {"credit_code": code, "group_code": group["code"],
                                             "demand": str(rnd.choice((9, 16, 36, 41, 72, 202, 677)))}))
    item = demand.store.get_task(task.task_id)
    demand.claim(item, "seed")
    good, errors = demand.load(demand.store.get_task(task.task_id), rows, "seed",
                               {"account_id": office.account_id, "org_id": office.org_id})
    if errors:
        raise RuntimeError(f"demo demand rows refused: {errors[:3]}")
    tasks.publish(office, task.task_id)

    def submit(org_id: str) -> None:
        p = _acting(org_id, ActorKind.MEDICAL_INSTITUTION)
        sheet = sheets.get(p, task.task_id)
        alloc = {line.group_code: {line.winners[-1]["credit_code"]: line.remaining} for line in sheet.lines}
        saved = sheets.save(p, task.task_id, SheetSave(version=sheet.version, allocations=alloc))
        sheets.submit(p, task.task_id, saved.version)

    by_city: dict[str, list[str]] = {}
    for org_id, _, city in institutions:
        by_city.setdefault(city, []).append(org_id)
    xining, haidong, lanzhou = by_city["630100"], by_city["630200"], by_city["620100"]
    for org_id in xining[1:6]:  # the demo hospital (first) and two others not filled
        submit(org_id)
    chain.decide(chain.CITY, principal(orgs, "city"), task.task_id, xining[1:3], "approve", None)
    chain.decide(chain.CITY, principal(orgs, "city"), task.task_id, [xining[3]], "return",
                 "B组剩余量分配与实际使用不符，请核对后重新提交")
    for org_id in haidong:
        submit(org_id)
    chain.decide(chain.CITY, principal(orgs, "city2"), task.task_id, haidong, "approve", None)
    chain.submit(chain.CITY, principal(orgs, "city2"), task.task_id)
    for org_id in lanzhou[:3]:
        submit(org_id)
    return tasks.detail(office, task.task_id).model_dump(mode="json")
