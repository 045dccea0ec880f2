"""/catalog/...: the national consumables catalog (国家医保耗材编码库), public and
read-only; /admin/catalog-imports: the platform imports it (a job)."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.domain.access import PUBLIC
from chalicelib.handlers._http import RequestContext, endpoint
from chalicelib.handlers.authorities import PLATFORM_ADMIN  # as POST /admin/registry-imports (and its uploads)
from chalicelib.lazy import lazy, lazy_class, lazy_classes
from chalicelib.schemas.common import PageQuery

(CatalogCertPage, CatalogCertQuery, CatalogCertView, CatalogImportRequest, CatalogItemPage, CatalogItemView,
 CatalogProductPage, CatalogProductView) = lazy_classes(
    "chalicelib.schemas.catalog",
    "CatalogCertPage CatalogCertQuery CatalogCertView CatalogImportRequest CatalogItemPage CatalogItemView "
    "CatalogProductPage CatalogProductView")
JobView = lazy_class("chalicelib.schemas.jobs", "JobView")

service = lazy("chalicelib.services.catalog")

bp = Blueprint(__name__)
TAGS = ("catalog",)


@endpoint(bp, "/catalog/certificates", access=PUBLIC, tags=TAGS, query=CatalogCertQuery, response=CatalogCertPage,
          summary="Registration certificates by number (or number prefix, product-name prefix, registrant)")
def list_certificates(ctx: RequestContext):
    return service.list_certificates(ctx.query)


@endpoint(bp, "/catalog/certificates/{cert_no}", access=PUBLIC, tags=TAGS, response=CatalogCertView,
          errors=(400, 404), summary="One registration certificate (the number percent-encoded in the path)")
def get_certificate(ctx: RequestContext, cert_no: str):
    return service.get_certificate(cert_no)


@endpoint(bp, "/catalog/certificates/{cert_no}/items", access=PUBLIC, tags=TAGS, query=PageQuery,
          response=CatalogItemPage, errors=(404,), summary="The single items (单件) of a certificate")
def items_of_certificate(ctx: RequestContext, cert_no: str):
    return service.items_of_certificate(cert_no, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/catalog/items/{code20}", access=PUBLIC, tags=TAGS, response=CatalogItemView, errors=(400, 404),
          summary="One single item by its 20-character code")
def get_item(ctx: RequestContext, code20: str):
    return service.get_item(code20)


@endpoint(bp, "/catalog/items/{code20}/products", access=PUBLIC, tags=TAGS, query=PageQuery,
          response=CatalogProductPage, errors=(404,), summary="The products (规格型号) of a single item")
def products_of_item(ctx: RequestContext, code20: str):
    return service.products_of_item(code20, ctx.query.limit, ctx.query.cursor)


@endpoint(bp, "/catalog/products/{code27}", access=PUBLIC, tags=TAGS, response=CatalogProductView,
          errors=(400, 404), summary="One product by its 27-character code")
def get_product(ctx: RequestContext, code27: str):
    return service.get_product(code27)


@endpoint(bp, "/admin/catalog-imports", "POST", access=PLATFORM_ADMIN, tags=("admin",), body=CatalogImportRequest,
          response=JobView, status=202, idempotent=True,
          summary="Import the national consumables catalog from an uploaded CSV/XLSX (a job with an error report)")
def import_catalog(ctx: RequestContext):
    return service.start_import(ctx.principal, ctx.body)
