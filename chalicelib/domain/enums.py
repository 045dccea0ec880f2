"""Every status and kind of the platform: English snake_case codes for the
API, with the Chinese label the portal shows. One source of truth: the
dictionaries endpoint and the OpenAPI document are generated from here."""
from __future__ import annotations

from enum import Enum


class LabelledEnum(str, Enum):
    """A string enum whose members carry a Chinese label: ``Member = ("code", "标签")``."""

    label: str

    def __new__(cls, code: str, label: str):
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    def __str__(self) -> str:
        return self.value

    @classmethod
    def describe(cls) -> list[dict[str, str]]:
        return [{"code": m.value, "label": m.label} for m in cls]


class ActorKind(LabelledEnum):
    """Kinds of organisation (SPEC §2)."""

    ENTERPRISE = ("enterprise", "医药企业")
    MEDICAL_INSTITUTION = ("medical_institution", "医疗机构")
    PHARMACY = ("pharmacy", "药店")
    CITY_BUREAU = ("city_bureau", "市医保局")
    PROVINCE_BUREAU = ("province_bureau", "省医保局")
    ALLIANCE_OFFICE = ("alliance_office", "联采办")
    PLATFORM = ("platform", "平台中心端")


class UnitRole(LabelledEnum):
    """单位角色, one certified per organisation (角色认证)."""

    MANUFACTURER = ("manufacturer", "生产企业")
    AGENT = ("agent", "代理企业")
    DISTRIBUTOR = ("distributor", "配送企业")
    MANUFACTURER_DISTRIBUTOR = ("manufacturer_distributor", "生产及配送企业")
    AGENT_DISTRIBUTOR = ("agent_distributor", "代理及配送企业")
    MANUFACTURER_AGENT_DISTRIBUTOR = ("manufacturer_agent_distributor", "生产代理及配送企业")
    MEDICAL_INSTITUTION = ("medical_institution", "医疗机构")
    PHARMACY = ("pharmacy", "药店")


class AccountKind(LabelledEnum):
    UNIT = ("unit", "单位账号")
    OPERATOR = ("operator", "经办人")
    SUB_ACCOUNT = ("sub_account", "子账号")


class AccountStatus(LabelledEnum):
    ACTIVE = ("active", "正常")
    DISABLED = ("disabled", "已停用")
    LOCKED = ("locked", "已锁定")
    CLOSED = ("closed", "已注销")


class IdType(LabelledEnum):
    RESIDENT_ID = ("resident_id", "居民身份证")
    PASSPORT = ("passport", "护照")
    HK_MACAO_PASS = ("hk_macao_pass", "港澳居民来往内地通行证")
    TAIWAN_PASS = ("taiwan_pass", "台湾居民来往大陆通行证")
    FOREIGN_PERMANENT_RESIDENT = ("foreign_permanent_resident", "外国人永久居留身份证")


class ReviewStatus(LabelledEnum):
    """The qualification review lifecycle (SPEC §3.3)."""

    DRAFT = ("draft", "待提交")
    PENDING_FIRST = ("pending_first", "待初审")
    PENDING_FINAL = ("pending_final", "待复审")
    APPROVED = ("approved", "审核通过")
    REJECTED = ("rejected", "审核不通过")


class ReviewAction(LabelledEnum):
    SUBMIT = ("submit", "提交")
    APPROVE = ("approve", "审核通过")
    REJECT = ("reject", "审核不通过")
    WITHDRAW = ("withdraw", "撤回")
    CHANGE = ("change", "变更")
    EDIT = ("edit", "修改")


class RecordKind(LabelledEnum):
    """Records that pass through a review chain."""

    ENTERPRISE_INFO = ("enterprise_info", "企业信息")
    SELF_DISTRIBUTION = ("self_distribution", "自配送填报")
    COMMITMENT_LETTER = ("commitment_letter", "承诺书")
    ENTRUSTMENT = ("entrustment", "委托授权")
    REGISTRATION_CERTIFICATE = ("registration_certificate", "注册证")
    CONSUMABLE_ITEM = ("consumable_item", "单件")
    PRODUCT = ("product", "产品")
    INSTITUTION_REGISTRATION = ("institution_registration", "机构入驻登记")


class EntrustmentType(LabelledEnum):
    SELF_PRODUCED = ("self_produced", "本企业生产")
    AGENCY = ("agency", "本企业代理")
    ENTRUSTED_PRODUCTION = ("entrusted_production", "委托生产")
    OVERSEAS_AGENT = ("overseas_agent", "境外代理")


class ProjectKind(LabelledEnum):
    NATIONAL_VBP = ("national_vbp", "国家集采中选采购项目")
    ALLIANCE_VBP = ("alliance_vbp", "省际联盟中选采购项目")


class ProjectStatus(LabelledEnum):
    DRAFT = ("draft", "草稿")
    PUBLISHED = ("published", "已发布")
    DECLARING = ("declaring", "申报中")
    CLOSED = ("closed", "申报结束")
    PUBLICISING = ("publicising", "结果公布中")
    FINISHED = ("finished", "已结束")


class AllocationTaskStatus(LabelledEnum):
    DRAFT = ("draft", "待发布")
    FILLING = ("filling", "填报中")
    CLOSED = ("closed", "填报截止")
    COMPLETED = ("completed", "已完成")


class AllocationStatus(LabelledEnum):
    """An institution's allocation sheet (医疗机构分量) in a task (docs/allocation.md)."""

    NOT_FILLED = ("not_filled", "未填报")
    DRAFT = ("draft", "暂存")
    PENDING_CITY = ("pending_city", "待市医保审核")
    CITY_APPROVED = ("city_approved", "市医保审核通过")
    RETURNED = ("returned", "退回修改")


class AllocationLevelStatus(LabelledEnum):
    """A city's or a province's submission of a task to the level above."""

    OPEN = ("open", "审核中")
    SUBMITTED = ("submitted", "已提交")
    APPROVED = ("approved", "审核通过")
    RETURNED = ("returned", "已退回")


class AllocationAction(LabelledEnum):
    SAVE = ("save", "暂存")
    SUBMIT = ("submit", "提交")
    APPROVE = ("approve", "审核通过")
    RETURN = ("return", "退回修改")
    WITHDRAW = ("withdraw", "撤回")


class JobStatus(LabelledEnum):
    QUEUED = ("queued", "排队中")
    RUNNING = ("running", "执行中")
    SUCCEEDED = ("succeeded", "已完成")
    FAILED = ("failed", "失败")


class JobKind(LabelledEnum):
    DICTIONARY_EXPORT = ("dictionary_export", "字典导出")
    REGISTRY_IMPORT = ("registry_import", "参考库导入")
    CATALOG_IMPORT = ("catalog_import", "国家耗材目录导入")
    PRODUCT_IMPORT = ("product_import", "产品及包装导入")
    PROJECT_RESULTS_IMPORT = ("project_results_import", "结果导入")
    PROJECT_CATALOG_IMPORT = ("project_catalog_import", "项目目录导入")
    PROJECT_EXPORT = ("project_export", "项目数据导出")
    ALLOCATION_DEMAND_IMPORT = ("allocation_demand_import", "分量需求量导入")
    ALLOCATION_AGREEMENT_EXPORT = ("allocation_agreement_export", "协议采购量导出")


class FileStatus(LabelledEnum):
    PENDING_UPLOAD = ("pending_upload", "待上传")
    VERIFIED = ("verified", "已校验")
    REJECTED = ("rejected", "校验不通过")


class RegionLevel(LabelledEnum):
    PROVINCE = ("province", "省级")
    CITY = ("city", "市级")


class UnitCategory(LabelledEnum):
    COUNT = ("count", "计数单位")
    PACKAGE = ("package", "包装单位")
    MEASURE = ("measure", "计量单位")


class Permission(LabelledEnum):
    """Menu permissions (菜单权限) that account roles grant."""

    QUALIFICATION_MAINTAIN = ("qualification_maintain", "资质维护")
    PRODUCT_MAINTAIN = ("product_maintain", "产品维护")
    DECLARATION = ("declaration", "产品申报")
    CODE_MATCHING = ("code_matching", "产品对码")
    RESULT_QUERY = ("result_query", "结果查询")
    ALLOCATION_FILL = ("allocation_fill", "分量填报")
    ALLOCATION_REVIEW = ("allocation_review", "分量审核")
    AGREEMENT_QUERY = ("agreement_query", "协议量查询")
    QUALIFICATION_REVIEW = ("qualification_review", "资质审核")
    REGISTRATION_REVIEW = ("registration_review", "机构注册审核")
    PROJECT_MANAGE = ("project_manage", "项目管理")
    CATALOG_IMPORT = ("catalog_import", "目录导入")
    INSTITUTION_SUPERVISION = ("institution_supervision", "下级机构管理")
    ORGANISATION_PROVISIONING = ("organisation_provisioning", "机构账号下发")


class PendingAction(LabelledEnum):
    """What the portal must ask of a user right after login."""

    CHANGE_PASSWORD = ("change_password", "请修改初始密码")
    PASSWORD_EXPIRED = ("password_expired", "密码已过期，请修改密码")
    CERTIFY_ROLE = ("certify_role", "请进行角色认证")
    ENTER_PROCUREMENT = ("enter_procurement", "请进入招采系统完成机构关联或注册")
    # 招采授权 (Jilin manual §1: the unit account grants it to its operators; registration does not)
    GRANT_PROCUREMENT_AUTHORIZATION = ("grant_procurement_authorization", "请为经办人授予招采授权，经办人方可办理业务")
    AWAIT_PROCUREMENT_AUTHORIZATION = ("await_procurement_authorization", "请联系本单位单位账号授予招采授权后再办理业务")
    SELF_DISTRIBUTION_DUE = ("self_distribution_due", "请完成自配送填报")
    SELF_DISTRIBUTION_REJECTED = ("self_distribution_rejected", "自配送填报审核不通过，请修改后重新提交")


class ProcurementStatus(LabelledEnum):
    """An organisation's entry into the procurement subsystem (招采账号关联)."""

    NOT_ENTERED = ("not_entered", "未进入")
    ASSOCIATED = ("associated", "已关联")
    PENDING_REVIEW = ("pending_review", "待审核")
    APPROVED = ("approved", "审核通过")
    REJECTED = ("rejected", "审核不通过")


class OrgStatus(LabelledEnum):
    ACTIVE = ("active", "正常")
    CLOSED = ("closed", "已注销")


class SmsPurpose(LabelledEnum):
    REGISTER = ("register", "注册")
    RESET_PASSWORD = ("reset_password", "找回密码")
    PROGRESS_LOOKUP = ("progress_lookup", "注册进度查询")
    BIND_OPERATOR = ("bind_operator", "绑定经办人")


class RegistryKind(LabelledEnum):
    NATIONAL_CODE = ("national_code", "国家医保编码库")
    LEGACY = ("legacy", "原省级采购平台")


class MembershipStatus(LabelledEnum):
    """An operator's binding to an organisation (``MemberItem.status``, store/identity.py)."""

    BOUND = ("bound", "已绑定")
    UNBOUND = ("unbound", "已解绑")


class RecordHistoryAction(LabelledEnum):
    """The actions of a record's change history (变更记录, the audit log of ``rec#<id>`` written by
    ``services/records/engine.py``; reviewer decisions are ``<level>_review_<decision>``)."""

    RECORD_CREATED = ("record_created", "新建")
    RECORD_EDITED = ("record_edited", "修改")
    SUBMITTED = ("submitted", "提交")
    WITHDRAWN = ("withdrawn", "撤回")
    CHANGE_STARTED = ("change_started", "发起变更")
    FIRST_REVIEW_APPROVE = ("first_review_approve", "初审通过")
    FIRST_REVIEW_REJECT = ("first_review_reject", "初审不通过")
    FINAL_REVIEW_APPROVE = ("final_review_approve", "复审通过")
    FINAL_REVIEW_REJECT = ("final_review_reject", "复审不通过")


class CodeMatchAction(LabelledEnum):
    """The actions of a listed product's 对码 history (the audit log of ``listing#<id>`` written by
    ``services/code_matching.py``; codes from ``domain/project_results.py``)."""

    CODE_MATCH_SET = ("code_match_set", "对码")
    CODE_MATCH_CHANGED = ("code_match_changed", "变更对码")
    CODE_MATCH_REMOVED = ("code_match_removed", "取消对码")


ALL_ENUMS: dict[str, type[LabelledEnum]] = {
    "actor_kind": ActorKind,
    "unit_role": UnitRole,
    "account_kind": AccountKind,
    "account_status": AccountStatus,
    "id_type": IdType,
    "review_status": ReviewStatus,
    "review_action": ReviewAction,
    "record_kind": RecordKind,
    "entrustment_type": EntrustmentType,
    "project_kind": ProjectKind,
    "project_status": ProjectStatus,
    "allocation_task_status": AllocationTaskStatus,
    "allocation_status": AllocationStatus,
    "allocation_level_status": AllocationLevelStatus,
    "allocation_action": AllocationAction,
    "job_status": JobStatus,
    "job_kind": JobKind,
    "file_status": FileStatus,
    "region_level": RegionLevel,
    "unit_category": UnitCategory,
    "permission": Permission,
    "pending_action": PendingAction,
    "procurement_status": ProcurementStatus,
    "org_status": OrgStatus,
    "sms_purpose": SmsPurpose,
    "registry_kind": RegistryKind,
    "record_history_action": RecordHistoryAction,
    "membership_status": MembershipStatus,
    "code_match_action": CodeMatchAction,
}
