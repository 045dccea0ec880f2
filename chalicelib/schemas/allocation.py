"""Volume-based procurement allocation (分量): request and response models (docs/allocation.md)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from chalicelib.schemas.common import Instant, Model, PageQuery, Strict

CODE = r"^[A-Za-z0-9_\-]{1,40}$"


class WinnerIn(Strict):
    credit_code: str = Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$", description="中选企业统一社会信用代码")
    name: str = Field(min_length=1, max_length=100, description="申报企业名称")
    rank: int = Field(ge=1, le=99, description="组内排名")
    price: str = Field(pattern=r"^\d{1,10}(\.\d{1,4})?$", description="中标价格 (元), a decimal string")


class GroupIn(Strict):
    code: str = Field(pattern=CODE, description="竞标分组编码")
    name: str = Field(min_length=1, max_length=100, description="竞标分组名称")
    item_code: str = Field(pattern=CODE, description="标的编码")
    item_name: str = Field(min_length=1, max_length=100, description="标的名称")
    winners: list[WinnerIn] = Field(min_length=1, max_length=10)


class TaskCreate(Strict):
    name: str = Field(min_length=1, max_length=100, description="分量项目名称")
    rule: dict[str, Any] = Field(description="{base_percent: {n: percent}, rank_weights: {n: [w1..wn]}}")
    fill_deadline: Instant = Field(description="医疗机构填报截止")
    city_deadline: Instant = Field(description="市医保审核截止")
    province_deadline: Instant = Field(description="省医保审核截止")
    alliance_deadline: Instant = Field(description="联采办审核截止")
    groups: list[GroupIn] | None = Field(None, max_length=95, description="bid groups (or source_project_id)")
    source_project_id: str | None = Field(None, max_length=64,
                                          description="take the groups from this project's published results")


class GroupView(Model):
    code: str
    name: str
    item_code: str
    item_name: str
    winners: list[dict[str, Any]] = Field(description="[{credit_code, name, rank, price}] by rank")


class LevelCounts(Model):
    counts: dict[str, int] = Field(description="units below by status")


class TaskView(Model):
    task_id: str
    name: str
    status: str
    status_label: str
    rule: dict[str, Any]
    fill_deadline: datetime
    city_deadline: datetime
    province_deadline: datetime
    alliance_deadline: datetime
    source_project_id: str | None = None
    groups: int
    institutions: int
    provinces: int
    demand: int
    base: int
    remaining: int
    allocated: int = Field(description="Σ own allocation of the approved provinces")
    demand_imported_at: datetime | None = None
    published_at: datetime | None = None
    completed_at: datetime | None = None
    province_counts: dict[str, int] = Field(description="provinces by submission status")
    my_status: str | None = Field(None, description="the caller's own level: its sheet, city or province status")
    my_status_label: str | None = None


class TaskDetail(TaskView):
    bid_groups: list[GroupView]


class TaskPage(Model):
    items: list[TaskView]
    next_cursor: str | None = None


class DemandImportRequest(Strict):
    upload_key: str = Field(max_length=300, description="from POST /allocation-demand-uploads (.csv or .xlsx)")


class SheetLine(Model):
    group_code: str
    group_name: str
    item_code: str = Field(description="标的编码")
    item_name: str = Field(description="标的划分")
    demand: int = Field(description="总需求量")
    base_total: int
    remaining: int = Field(description="剩余量")
    winners: list[dict[str, Any]] = Field(
        description="[{credit_code, name, rank, price, base 基础量, own 已自主分配剩余量, agreement 协议采购量}]")


class SheetView(Model):
    task_id: str
    inst_id: str
    inst_name: str = Field(description="医疗机构名称")
    city: str
    province: str
    status: str
    status_label: str = Field(description="审核状态")
    demand: int = Field(description="总需求量")
    base: int = Field(description="基础量")
    remaining: int = Field(description="剩余量")
    allocated: int = Field(description="已自主分配采购量")
    reason: str | None = Field(None, description="驳回原因")
    submitted_at: datetime | None = None
    handled_at: datetime | None = Field(None, description="经办时间")
    version: int
    lines: list[SheetLine] | None = None


class SheetPage(Model):
    items: list[SheetView]
    next_cursor: str | None = None


class SheetSave(Strict):
    version: int = Field(ge=0, description="the version read (409 concurrent_update when stale)")
    allocations: dict[str, dict[str, Any]] = Field(
        description="{group code: {enterprise credit code: quantity}}; groups left out keep what was saved")


class SheetSubmit(Strict):
    version: int = Field(ge=0)


class SheetListQuery(PageQuery):
    status: str | None = Field(None, max_length=20, description="审核状态 (allocation_status)")


class LevelListQuery(PageQuery):
    status: str | None = Field(None, max_length=20, description="submission status (allocation_level_status)")


class Decisions(Strict):
    units: list[str] = Field(min_length=1, max_length=50, description="institution org ids, city or province codes")
    decision: Literal["approve", "return"]
    reason: str | None = Field(None, max_length=500, description="驳回原因 (required to return)")


class DecisionResult(Model):
    unit: str
    ok: bool
    status: str | None = None
    error: dict[str, Any] | None = None


class DecisionResults(Model):
    results: list[DecisionResult]


class LevelView(Model):
    task_id: str
    unit: str = Field(description="city or province code")
    unit_name: str | None = None
    province: str
    status: str
    status_label: str
    institutions: int
    demand: int
    base: int
    remaining: int
    allocated: int
    counts: dict[str, int] = Field(description="units below by status")
    reason: str | None = None
    submitted_at: datetime | None = None
    handled_at: datetime | None = None


class LevelPage(Model):
    items: list[LevelView]
    next_cursor: str | None = None


class AgreementFilters(Strict):
    item_code: str | None = Field(None, max_length=40, description="标的编码")
    group_code: str | None = Field(None, max_length=40, description="竞标分组")
    enterprise: str | None = Field(None, max_length=18, description="申报企业统一社会信用代码")
    institution: str | None = Field(None, max_length=64, description="医疗机构 org id")
    city: str | None = Field(None, pattern=r"^\d{6}$", description="one city (province / alliance office)")


class AgreementQuery(PageQuery, AgreementFilters):
    pass


class AgreementRow(Model):
    item_code: str = Field(description="标的编码")
    item_name: str = Field(description="标的名称")
    group_code: str
    group_name: str = Field(description="竞标分组名称")
    credit_code: str
    enterprise_name: str = Field(description="申报企业名称")
    price: str = Field(description="中标价格")
    inst_id: str
    inst_name: str = Field(description="医疗机构")
    city: str
    base: int
    own: int
    agreement: int = Field(description="协议采购量")
    final: bool = Field(description="final once the alliance office finalised the task; else provisional")


class AgreementPage(Model):
    items: list[AgreementRow]
    next_cursor: str | None = Field(None, description="pages go by institution: a page holds the rows of up to "
                                                      "`limit` institutions")


class AgreementExportRequest(AgreementFilters):
    """The filters of the agreement list; the export holds every row they select."""


class ProgressUnit(Model):
    unit: str = Field(description="city or province code")
    unit_name: str | None = None
    status: str = Field(description="its submission status (allocation_level_status)")
    status_label: str
    institutions: int
    counts: dict[str, int] = Field(description="institutions by sheet status (allocation_status)")


class ProgressView(Model):
    task_id: str
    level: Literal["city", "province", "alliance"] = Field(description="the caller's level: what a unit is")
    fill_deadline: datetime
    deadline: datetime = Field(description="the caller's level's own review deadline")
    units: list[ProgressUnit] = Field(description="the city itself; a province's cities; the alliance's provinces")
    totals: dict[str, int] = Field(description="institutions by sheet status over every unit")
