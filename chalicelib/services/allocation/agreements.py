"""Agreement volumes 协议采购量 = base + own share, per institution × winning enterprise, from the
sheets the city approved (provisional) and final once the alliance office finalised the task.
中选企业协议量明细: a city sees its institutions, a province its cities, the alliance office
everything, a winning enterprise only its own rows, an institution its own sheet.
Export to Excel as a job (xlsxwriter, constant memory)."""
from __future__ import annotations

import io
from typing import Any, Iterable, Iterator

from chalicelib.domain.access import Principal
from chalicelib.domain.enums import ActorKind, AllocationStatus, AllocationTaskStatus, JobKind
from chalicelib.domain.errors import Forbidden
from chalicelib.schemas.allocation import AgreementPage, AgreementQuery, AgreementRow
from chalicelib.schemas.jobs import JobView
from chalicelib.services.allocation.common import OUTSIDE, groups_by_code, may_see_sheet, task_or_404
from chalicelib.store import allocation as store
from chalicelib.store.allocation import SheetItem
from chalicelib.store.paging import Page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
APPROVED = AllocationStatus.CITY_APPROVED.value
HEADER = ("标的编码", "标的名称", "竞标分组名称", "申报企业名称", "统一社会信用代码", "中标价格", "医疗机构", "所在地市",
          "基础量", "已自主分配量", "协议采购量", "状态")
FILTERS = ("item_code", "group_code", "enterprise", "institution", "city")


def _enterprise_code(p: Principal) -> str | None:
    if p.org_kind is not ActorKind.ENTERPRISE:
        return None
    from chalicelib.store import identity

    org = identity.get_org(p.org_id)
    return org.credit_code if org else None


def _scope(p: Principal, filters: dict[str, Any]) -> tuple[str, str | None, dict[str, Any]]:
    """(how to read: city | region | own, the key prefix or city, filters with the caller's scope applied)."""
    city = filters.get("city")
    region = p.org_region or ""
    if p.org_kind is ActorKind.CITY_BUREAU:
        if city and city != region:
            raise OUTSIDE
        return "city", region, filters
    if p.org_kind is ActorKind.PROVINCE_BUREAU:
        if city and city[:2] != region[:2]:
            raise OUTSIDE
        return "region", city or region[:2], filters
    if p.org_kind is ActorKind.ALLIANCE_OFFICE:
        return "region", city or "", filters
    if p.org_kind is ActorKind.ENTERPRISE:
        code = _enterprise_code(p)
        if filters.get("enterprise") and filters["enterprise"] != code:
            raise Forbidden("只能查看本企业的协议量", code="not_your_agreements")
        return "region", city or "", {**filters, "enterprise": code}
    if p.org_kind is ActorKind.MEDICAL_INSTITUTION:
        return "own", None, {**filters, "institution": p.org_id}
    raise Forbidden("无权查看协议量", code="actor_forbidden")


def expand(sheet: SheetItem, groups: dict[str, store.GroupItem], filters: dict[str, Any], final: bool
           ) -> Iterator[AgreementRow]:
    for code, line in sorted(sheet.lines_dict.items()):
        group = groups.get(code)
        if group is None or (filters.get("group_code") and code != filters["group_code"]) \
                or (filters.get("item_code") and group.item_code != filters["item_code"]):
            continue
        own = line.get("own") or {}
        for w in group.winners_list:
            if filters.get("enterprise") and w["credit_code"] != filters["enterprise"]:
                continue
            base, mine = int(line["base"].get(w["credit_code"], 0)), int(own.get(w["credit_code"], 0))
            yield AgreementRow(item_code=group.item_code, item_name=group.item_name, group_code=code,
                               group_name=group.name, credit_code=w["credit_code"], enterprise_name=w["name"],
                               price=w["price"], inst_id=sheet.inst_id, inst_name=sheet.inst_name, city=sheet.city,
                               base=base, own=mine, agreement=base + mine, final=final)


def _one(p: Principal, task_id: str, inst_id: str) -> list[SheetItem]:
    sheet = store.get_sheet(task_id, inst_id)
    if sheet is None or sheet.status != APPROVED:
        return []
    if p.org_kind is not ActorKind.ENTERPRISE and not may_see_sheet(p, sheet):
        raise OUTSIDE
    return [sheet]


def _page(p: Principal, task_id: str, filters: dict[str, Any], limit: int, cursor: str | None) -> Page[SheetItem]:
    how, key, filters = _scope(p, filters)
    if filters.get("institution"):
        return Page(_one(p, task_id, filters["institution"]), None)
    if how == "city":
        return store.city_sheets(task_id, key, APPROVED, limit=limit, cursor=cursor)
    return store.task_sheets(task_id, key, APPROVED, limit=limit, cursor=cursor)


def list_agreements(p: Principal, task_id: str, query: AgreementQuery) -> AgreementPage:
    """One Query a page (by institution), expanded into agreement rows and filtered."""
    task = task_or_404(task_id, p)
    filters = {k: getattr(query, k) for k in FILTERS if getattr(query, k)}
    _, _, scoped = _scope(p, filters)
    page = _page(p, task_id, filters, query.limit, query.cursor)
    groups = groups_by_code(task_id)
    final = task.status == AllocationTaskStatus.COMPLETED.value
    rows = [row for sheet in page.items for row in expand(sheet, groups, scoped, final)]
    return AgreementPage(items=rows, next_cursor=page.next_cursor)


def request_export(p: Principal, task_id: str, filters: dict[str, Any]) -> JobView:
    from chalicelib.services import jobs

    task_or_404(task_id, p)
    filters = {k: v for k, v in filters.items() if v}
    _scope(p, filters)  # a 403 now rather than a failed job
    return jobs.submit(JobKind.ALLOCATION_AGREEMENT_EXPORT,
                       {"task_id": task_id, "filters": filters, "account_id": p.account_id, "org_id": p.org_id,
                        "org_kind": p.org_kind.value, "org_region": p.org_region},
                       owner=f"account#{p.account_id}", actor=f"account#{p.account_id}")


def all_sheets(p: Principal, task_id: str, filters: dict[str, Any]) -> Iterable[SheetItem]:
    how, key, scoped = _scope(p, filters)
    if scoped.get("institution"):
        return _one(p, task_id, scoped["institution"])
    if how == "city":
        return (s for s in SheetItem.gsi1.query(store.city_list_pk(task_id, key),
                                                SheetItem.gsi1sk.startswith(f"{APPROVED}#")))
    return (s for s in store.iter_task_sheets(task_id, key) if s.status == APPROVED)


def write_xlsx(rows: Iterable[AgreementRow]) -> tuple[bytes, int]:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet("协议量明细")
    sheet.write_row(0, 0, HEADER)
    n = 0
    for n, r in enumerate(rows, start=1):
        sheet.write_row(n, 0, (r.item_code, r.item_name, r.group_name, r.enterprise_name, r.credit_code, r.price,
                               r.inst_name, r.city, r.base, r.own, r.agreement, "最终" if r.final else "暂定"))
    book.close()
    return buffer.getvalue(), n


def export_job(ctx) -> object:
    """Job ``allocation_agreement_export``: every row the requester may see, with the filters."""
    from chalicelib.domain.enums import AccountKind
    from chalicelib.services.jobs import JobOutput

    params = ctx.params
    # the requester's scope, as checked when the export was requested
    p = Principal(account_id=params["account_id"], account_kind=AccountKind.OPERATOR, login="", org_id=params["org_id"],
                  org_kind=ActorKind(params["org_kind"]), org_region=params.get("org_region"))
    task = task_or_404(params["task_id"], p)
    _, _, scoped = _scope(p, params["filters"])
    groups = groups_by_code(task.task_id)
    final = task.status == AllocationTaskStatus.COMPLETED.value
    done = 0

    def rows():
        nonlocal done
        for sheet in all_sheets(p, task.task_id, params["filters"]):
            yield from expand(sheet, groups, scoped, final)
            done += 1
            ctx.progress(done, int(task.institutions))

    data, _ = write_xlsx(rows())
    return JobOutput(f"allocation-agreements-{task.task_id[:8]}.xlsx", XLSX, data)

