"""The national consumables catalog in the ``main`` table (keys in docs/catalog.md).

- certificate: ``cat#cert#<cert_no>`` / ``cert``; gsi1 ``cat#certs`` / ``<cert_no>``;
  gsi2 ``cat#registrant#<credit code>`` / ``<cert_no>`` (sparse);
- its name index: ``cat#cert#<cert_no>`` / ``name``; gsi1 ``cat#certnames`` / ``<product_name>#<cert_no>``;
- item 单件: ``cat#item#<code20>`` / ``item``; gsi1 ``cat#items#<cert_no>`` / ``<code20>``;
- product 规格型号: ``cat#product#<code27>`` / ``product``; gsi1 ``cat#products#<code20>`` / ``<code27>``.

Every write is a put by key, so importing the same rows again overwrites
instead of duplicating.
"""
from __future__ import annotations

from datetime import date
from typing import Iterable, Iterator

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from chalicelib.domain import consumables as rules
from chalicelib.store.paging import Page, query_page
from chalicelib.store.tables import MainTable

GSI1_KEY = ("pk", "sk", "gsi1pk", "gsi1sk")
GSI2_KEY = ("pk", "sk", "gsi2pk", "gsi2sk")
ALL_CERTS = "cat#certs"
CERT_NAMES = "cat#certnames"


def cert_pk(cert_no: str) -> str:
    return f"cat#cert#{cert_no}"


def item_pk(code20: str) -> str:
    return f"cat#item#{code20}"


def product_pk(code27: str) -> str:
    return f"cat#product#{code27}"


class CertItem(MainTable):
    cert_no = UnicodeAttribute()
    product_name = UnicodeAttribute()
    registrant_name = UnicodeAttribute()
    registrant_credit_code = UnicodeAttribute(null=True)
    valid_until = UnicodeAttribute(null=True)  # ISO date
    device_class = UnicodeAttribute(null=True)
    imported_at = UnicodeAttribute()

    def to_domain(self) -> rules.Certificate:
        return rules.Certificate(self.cert_no, self.product_name, self.registrant_name, self.registrant_credit_code,
                                 date.fromisoformat(self.valid_until) if self.valid_until else None,
                                 self.device_class)


class ConsumableItem(MainTable):
    code20 = UnicodeAttribute()
    name = UnicodeAttribute()
    cert_no = UnicodeAttribute()
    imported_at = UnicodeAttribute()

    def to_domain(self) -> rules.Item:
        return rules.Item(self.code20, self.name, self.cert_no)


class ProductItem(MainTable):
    code27 = UnicodeAttribute()
    code20 = UnicodeAttribute()
    specification = UnicodeAttribute()
    model = UnicodeAttribute()
    imported_at = UnicodeAttribute()

    def to_domain(self) -> rules.Product:
        return rules.Product(self.code27, self.code20, self.specification, self.model)


def _cert_items(c: rules.Certificate, at: str) -> list[CertItem]:
    fields = dict(cert_no=c.cert_no, product_name=c.product_name, registrant_name=c.registrant_name,
                  registrant_credit_code=c.registrant_credit_code,
                  valid_until=c.valid_until.isoformat() if c.valid_until else None, device_class=c.device_class,
                  imported_at=at)
    main = CertItem(pk=cert_pk(c.cert_no), sk="cert", gsi1pk=ALL_CERTS, gsi1sk=c.cert_no, **fields)
    if c.registrant_credit_code:
        main.gsi2pk, main.gsi2sk = f"cat#registrant#{c.registrant_credit_code}", c.cert_no
    name = CertItem(pk=cert_pk(c.cert_no), sk="name", gsi1pk=CERT_NAMES, gsi1sk=f"{c.product_name}#{c.cert_no}",
                    **fields)
    return [main, name]


def catalog_items(certs: Iterable[rules.Certificate], items: Iterable[rules.Item],
                  products: Iterable[rules.Product], at: str) -> Iterator[MainTable]:
    """The items the catalog's entries are stored as: two per certificate, one per item and product."""
    for c in certs:
        yield from _cert_items(c, at)
    for i in items:
        yield ConsumableItem(pk=item_pk(i.code20), sk="item", code20=i.code20, name=i.name, cert_no=i.cert_no,
                             gsi1pk=f"cat#items#{i.cert_no}", gsi1sk=i.code20, imported_at=at)
    for p in products:
        yield ProductItem(pk=product_pk(p.code27), sk="product", code27=p.code27, code20=p.code20,
                          specification=p.specification, model=p.model,
                          gsi1pk=f"cat#products#{p.code20}", gsi1sk=p.code27, imported_at=at)


def put_all(certs: Iterable[rules.Certificate], items: Iterable[rules.Item], products: Iterable[rules.Product],
            at: str) -> int:
    """Batch puts by key (a re-import overwrites). Returns how many entries were written."""
    certs, items, products = list(certs), list(items), list(products)
    with CertItem.batch_write() as batch:
        for item in catalog_items(certs, items, products, at):
            batch.save(item)
    return len(certs) + len(items) + len(products)


def _get(model, pk: str, sk: str):
    try:
        return model.get(pk, sk)
    except DoesNotExist:
        return None


def get_cert(cert_no: str) -> rules.Certificate | None:
    item = _get(CertItem, cert_pk(cert_no), "cert")
    return item.to_domain() if item else None


def get_certs(cert_nos: Iterable[str]) -> dict[str, rules.Certificate]:
    keys = sorted({(cert_pk(n), "cert") for n in cert_nos})
    return {i.cert_no: i.to_domain() for i in CertItem.batch_get(keys)} if keys else {}


def get_item(code20: str) -> rules.Item | None:
    item = _get(ConsumableItem, item_pk(code20), "item")
    return item.to_domain() if item else None


def get_items(codes: Iterable[str]) -> dict[str, rules.Item]:
    keys = sorted({(item_pk(c), "item") for c in codes})
    return {i.code20: i.to_domain() for i in ConsumableItem.batch_get(keys)} if keys else {}


def get_product(code27: str) -> rules.Product | None:
    item = _get(ProductItem, product_pk(code27), "product")
    return item.to_domain() if item else None


def _page(model, pk: str, prefix: str | None, key_names, limit: int, cursor: str | None, index: str = "gsi1"):
    idx = getattr(model, index)
    kwargs = {}
    if prefix:
        kwargs["range_key_condition"] = getattr(model, f"{index}sk").startswith(prefix)
    page = query_page(idx.query, scope=f"{pk}|{prefix or ''}", key_names=key_names, limit=limit, cursor=cursor,
                      hash_key=pk, **kwargs)
    return Page([i.to_domain() for i in page.items], page.next_cursor)


def list_certs(cert_no_prefix: str | None, *, limit: int, cursor: str | None) -> Page[rules.Certificate]:
    """Certificates by number (all, or those starting with ``cert_no_prefix``)."""
    return _page(CertItem, ALL_CERTS, cert_no_prefix, GSI1_KEY, limit, cursor)


def certs_by_name(name_prefix: str, *, limit: int, cursor: str | None) -> Page[rules.Certificate]:
    return _page(CertItem, CERT_NAMES, name_prefix, GSI1_KEY, limit, cursor)


def certs_of_registrant(credit_code: str, *, limit: int, cursor: str | None) -> Page[rules.Certificate]:
    return _page(CertItem, f"cat#registrant#{credit_code}", None, GSI2_KEY, limit, cursor, index="gsi2")


def items_of(cert_no: str, *, limit: int, cursor: str | None) -> Page[rules.Item]:
    return _page(ConsumableItem, f"cat#items#{cert_no}", None, GSI1_KEY, limit, cursor)


def products_of(code20: str, *, limit: int, cursor: str | None) -> Page[rules.Product]:
    return _page(ProductItem, f"cat#products#{code20}", None, GSI1_KEY, limit, cursor)
