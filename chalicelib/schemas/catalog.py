"""The national consumables catalog: request and response models."""

from pydantic import Field

from chalicelib.schemas.common import Model, PageQuery, Strict


class CatalogCertView(Model):
    cert_no: str = Field(description="注册备案号")
    product_name: str = Field(description="注册备案产品名称")
    registrant_name: str = Field(description="注册人/备案人名称")
    registrant_credit_code: str | None = Field(None, description="注册人统一社会信用代码 (null: overseas registrant)")
    valid_until: str | None = Field(None, description="有效期至 (ISO date; null = not published)")
    device_class: str | None = Field(None, description="管理类别 I | II | III")


class CatalogCertPage(Model):
    items: list[CatalogCertView]
    next_cursor: str | None = None


class CatalogCertQuery(PageQuery):
    """At most one filter; none lists every certificate by number."""

    cert_no_prefix: str | None = Field(None, min_length=1, max_length=60, description="注册备案号 prefix")
    name_prefix: str | None = Field(None, min_length=1, max_length=100, description="产品名称 prefix")
    registrant_credit_code: str | None = Field(None, min_length=18, max_length=18,
                                               description="the registrant's unified social credit code")


class CatalogItemView(Model):
    code20: str = Field(description="20 位耗材医保编码（单件）")
    name: str = Field(description="单件名称")
    cert_no: str = Field(description="注册备案号")


class CatalogItemPage(Model):
    items: list[CatalogItemView]
    next_cursor: str | None = None


class CatalogProductView(Model):
    code27: str = Field(description="27 位耗材医保编码（规格型号）")
    code20: str = Field(description="its single item's code (the first 20 characters)")
    specification: str = Field(description="规格")
    model: str = Field(description="型号")


class CatalogProductPage(Model):
    items: list[CatalogProductView]
    next_cursor: str | None = None


class CatalogImportRequest(Strict):
    upload_key: str = Field(max_length=300, description="from POST /admin/uploads (a .csv or .xlsx file)")
