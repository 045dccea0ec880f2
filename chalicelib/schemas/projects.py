"""Procurement projects and announcements: request and response models.

Instants are accepted with any offset (an offset is required), stored in UTC
and shown in Asia/Shanghai (``+08:00``)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from chalicelib.domain.enums import ProjectKind, ProjectStatus
from chalicelib.domain.project_catalog import BID_GROUP_MAX
from chalicelib.schemas.common import AwareInstant, Label, Model, PageQuery, Prose, Strict


class ProjectCreate(Strict):
    kind: ProjectKind = Field(description="national_vbp 国家集采中选采购项目 | alliance_vbp 省际联盟中选采购项目")
    name: Label = Field(min_length=1, max_length=200, description="项目名称")
    announcement: Prose = Field(min_length=1, max_length=20000, description="公告正文")
    declaration_start: AwareInstant = Field(description="申报开始 (ISO 8601 with offset)")
    declaration_end: AwareInstant = Field(description="申报截止 (after declaration_start)")
    publication_start: AwareInstant = Field(description="结果公示开始 (at or after declaration_end)")
    publication_end: AwareInstant = Field(description="结果公示截止 (after publication_start)")


class ProjectPatch(Strict):
    """Only while the project is a draft; the merged windows are validated again."""

    name: Label | None = Field(None, min_length=1, max_length=200)
    announcement: Prose | None = Field(None, min_length=1, max_length=20000)
    declaration_start: AwareInstant | None = None
    declaration_end: AwareInstant | None = None
    publication_start: AwareInstant | None = None
    publication_end: AwareInstant | None = None


class ProjectQuery(PageQuery):
    status: ProjectStatus = Field(description="the stored status (moved by the schedule, at most a tick late)")


class _PublicProject(Model):
    """What a project and its announcement show alike."""

    project_id: str
    kind: str
    kind_label: str
    name: str
    announcement: str
    declaration_start: datetime = Field(description="Asia/Shanghai")
    declaration_end: datetime
    publication_start: datetime
    publication_end: datetime
    status: str = Field(description="the status the windows say now (draft/published/declaring/closed/publicising/"
                                    "finished)")
    status_label: str


class ProjectView(_PublicProject):
    next_transition_at: datetime | None = Field(None, description="when the status changes next (null: draft "
                                                                  "or finished)")
    published_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    attachments: list["AttachmentView"] = Field([], description="附件 (PDF), each with a short-lived download link")


class ProjectPage(Model):
    items: list[ProjectView]
    next_cursor: str | None = None


class AnnouncementView(_PublicProject):
    published_at: datetime
    attachments: list["AttachmentView"] = Field([], description="附件 as published, each with a short-lived link")


class AnnouncementPage(Model):
    items: list[AnnouncementView]
    next_cursor: str | None = None


class CatalogEntryPut(Strict):
    bid_group: str = Field(min_length=1, max_length=BID_GROUP_MAX, description="竞标分组 (stripped, inner blanks "
                                                                                 "collapsed)")


class CatalogEntryView(Model):
    project_id: str
    code27: str = Field(description="27 位耗材医保编码")
    bid_group: str
    specification: str
    model: str
    item_name: str | None = Field(None, description="the national catalog's 单件名称")
    cert_no: str | None = Field(None, description="注册备案号")
    added_at: datetime


class CatalogEntryPage(Model):
    items: list[CatalogEntryView]
    next_cursor: str | None = None


class DeclarationCreate(Strict):
    code27: str = Field(min_length=1, max_length=40, description="a product of the project catalog, approved in "
                                                                 "the enterprise's own product library")


class DeclarationView(Model):
    project_id: str
    org_id: str
    code27: str
    bid_group: str | None = None
    record_id: str = Field(description="the enterprise's product record")
    declared_at: datetime


class DeclarationPage(Model):
    items: list[DeclarationView]
    next_cursor: str | None = None


class WorkbenchQuery(PageQuery):
    include_finished: bool = Field(False, description="also projects whose publication has ended")


class WorkbenchProject(Model):
    """A published project on the enterprise's workbench (我的工作台), with its own declaration count."""

    project: AnnouncementView
    declaration_count: int = Field(description="the enterprise's declarations in this project")
    can_declare: bool = Field(description="the declaration window is open now")


class WorkbenchPage(Model):
    items: list[WorkbenchProject]
    next_cursor: str | None = None


class CandidateView(Model):
    """A project-catalog product the enterprise may declare (选择耗材目录): approved in its own library."""

    code27: str
    bid_group: str
    specification: str
    model: str
    record_id: str = Field(description="the enterprise's approved product record")
    declared: bool = Field(description="already declared in this project")


class CandidatePage(Model):
    items: list[CandidateView]
    next_cursor: str | None = None


class DeclarationBatch(Strict):
    """Several products picked at once (勾选 … 确定); each is declared on its own."""

    code27s: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(min_length=1, max_length=50, description="at most 50 codes, each as for one "
                                                                        "declaration; repeated codes count once")


class DeclarationOutcome(Model):
    code27: str
    declared: bool
    error_code: str | None = Field(None, description="why it was refused (the code a single declaration gives)")
    message: str | None = None
    declaration: DeclarationView | None = None


class DeclarationBatchResult(Model):
    declared: int
    refused: int
    items: list[DeclarationOutcome]


# -- project catalog import, attachments ----------------------------------------------

class CatalogEntryQuery(PageQuery):
    bid_group: str | None = Field(None, min_length=1, max_length=BID_GROUP_MAX, description="only this bid group")
    code27_prefix: str = Field("", pattern=r"^(C[0-9]{0,26})?$", description="codes starting with this (e.g. C1401)")


class CatalogImportRequest(Strict):
    upload_key: str = Field(max_length=300, description="from POST /projects/catalog-imports/uploads (.csv/.xlsx)")


class AttachmentCreate(Strict):
    file_id: str = Field(min_length=1, max_length=64, description="a verified PDF of the center (POST /files, "
                                                                  "purpose `project_attachment`)")
    title: str = Field(min_length=1, max_length=100, description="附件名称")


class AttachmentView(Model):
    file_id: str
    title: str
    filename: str
    size: int | None = None
    pages: int | None = None
    added_at: datetime
    url: str = Field(description="presigned GET, valid for expires_in_s seconds")
    expires_in_s: int


# -- the center's view of the declarations, exports ------------------------------------------

class CenterDeclarationQuery(PageQuery):
    org_id: str | None = Field(None, min_length=1, max_length=64, description="only this enterprise")


class CenterDeclarationView(DeclarationView):
    enterprise_name: str | None = Field(None, description="企业名称")
    credit_code: str | None = Field(None, description="统一社会信用代码")
    specification: str | None = None
    model: str | None = None


class CenterDeclarationPage(Model):
    items: list[CenterDeclarationView]
    next_cursor: str | None = None


class ProjectExportRequest(Strict):
    what: Literal["declarations", "results"] = Field(description="declarations 申报明细 | results 中选结果 (all rows)")
