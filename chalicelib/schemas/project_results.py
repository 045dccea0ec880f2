"""Project results (结果公布) and product code matching (对码): request and response models."""

from datetime import datetime

from pydantic import Field

from chalicelib.domain.project_catalog import BID_GROUP_MAX
from chalicelib.schemas.common import Model, PageQuery, Strict


class ResultImportRequest(Strict):
    upload_key: str = Field(max_length=300, description="from POST /result-imports/uploads (a .csv or .xlsx file)")


class ResultQuery(PageQuery):
    bid_group: str | None = Field(None, min_length=1, max_length=BID_GROUP_MAX, description="only this bid group 竞标分组")


class ResultRowView(Model):
    listing_id: str = Field(description="the row's id (its listed product's id once the results are published)")
    bid_group: str
    rank: int = Field(description="组内排名")
    price: str = Field(description="中选价格, a decimal string (at most 4 decimal places)")
    credit_code: str
    org_id: str
    enterprise_name: str | None = Field(None, description="企业名称 as published")
    product_name: str
    specification: str | None = None
    model: str | None = None
    cert_no: str | None = Field(None, description="注册证号 as published (normalised)")
    product_ref: str | None = Field(None, description="产品ID as published")


class ResultPage(Model):
    project_id: str
    published: bool = Field(description="whether the center has published the results")
    results_published_at: datetime | None = None
    scope: str = Field(description="all: every row; own: the caller enterprise's rows only (after the "
                                   "publication window)")
    items: list[ResultRowView]
    next_cursor: str | None = None


class ResultsPublished(Model):
    project_id: str
    rows: int
    results_published_at: datetime


class ProjectRef(Model):
    project_id: str
    name: str
    kind: str
    kind_label: str


class MatchView(Model):
    code27: str = Field(description="the national product (国家医保耗材编码库) the listing is matched to")
    specification: str
    model: str
    item_name: str = Field(description="单件名称")
    cert_no: str
    matched_at: datetime


class ListingView(Model):
    listing_id: str
    project: ProjectRef
    bid_group: str
    rank: int
    price: str
    enterprise_name: str | None = None
    product_name: str
    specification: str | None = None
    model: str | None = None
    cert_no: str | None = None
    product_ref: str | None = None
    match: MatchView | None = Field(None, description="the current mapping, null when not matched")
    version: int = Field(description="send it back as `version` to refuse concurrent changes")


class ListingQuery(PageQuery):
    matched: bool | None = Field(None, description="true: matched only; false: not yet matched; absent: all")


class ListingPage(Model):
    items: list[ListingView]
    next_cursor: str | None = None


class MatchPut(Strict):
    code27: str = Field(min_length=1, max_length=40, description="a product of the national catalog")
    reason: str | None = Field(None, max_length=500, description="required when changing an existing mapping")
    version: int | None = Field(None, ge=0, description="the listing's version as read (optional; 409 if stale)")


class MatchDelete(Strict):
    reason: str = Field(min_length=1, max_length=500, description="why the mapping is removed")
    version: int | None = Field(None, ge=0)


class CandidateView(Model):
    code27: str
    code20: str
    item_name: str
    specification: str
    model: str


class CandidateList(Model):
    listing_id: str
    cert_no: str | None = Field(None, description="the listing's certificate; null: search the catalog routes")
    items: list[CandidateView]
    truncated: bool = Field(False, description="more items than one answer holds: search the catalog routes")
