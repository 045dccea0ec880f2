"""The consumable qualification records over HTTP (Guangdong ch. 2): entrustments,
registration certificates, single items and products — each through both
review levels, and each bad input refused with nothing written."""
from __future__ import annotations

import pytest

from tests import factory
from tests.api.conftest import assert_error, assert_ok, body
from tests.support import wait_until

OWN_CERT = "国械注准20193140101"  # registered to the enterprise itself
MASK_CERT = "青械注准20202140002"  # also its own
FOREIGN_CERT = "国械注进20173461234"  # Medtronic, Inc. (overseas registrant)
OTHER_CERT = "国械注准20183140456"  # 江苏康宁 (another Chinese registrant: entrusted production)
ITEM = "C1401010010000100001"  # under OWN_CERT
PRODUCT = ITEM + "0000002"  # 5ml
MASK_ITEM = "C0801020010000100001"  # under MASK_CERT
TABS = ("draft", "pending", "approved", "rejected")


@pytest.fixture
def world(catalog_world):
    return catalog_world


def create(api, w, kind, **data):
    return api.post(f"/records/{kind}", {"data": data}, token=w["token"])


def submit(api, w, kind, record_id) -> dict:
    return assert_ok(api.post(f"/records/{kind}/{record_id}/submit", token=w["token"]), f"submitting {kind}")


def records_of(w, kind) -> list[str]:
    """Every record of the kind the enterprise has, in any tab (straight from the table)."""
    from chalicelib.store.records import HeadItem

    return [h.record_id for tab in TABS for h in HeadItem.gsi1.query(f"recs#{w['org'].org_id}#{kind}#{tab}")]


def decide(api, w, record_id, level, reviewer="reviewer") -> dict:
    from chalicelib.store import records

    wait_until(lambda: records.get_task(record_id, 1, level), what=f"{level} task token of {record_id}")
    return assert_ok(api.post(f"/reviews/records/{record_id}/decision",
                              {"revision": 1, "level": level, "decision": "approve"}, token=w[reviewer]),
                     f"{level} approval of {record_id}")


def entrustment(api, w, kind="overseas_agent", certs=(FOREIGN_CERT,), **files):
    if not files and kind == "overseas_agent":
        same = factory.verified_pdf(w["org"], w["op"])
        files = {"authorization_letter_en_file_id": same, "authorization_letter_zh_file_id": same}
    return create(api, w, "entrustment", type=kind, valid_from="2026-01-01", valid_to="2028-12-31",
                  certificate_nos=list(certs), **files)


def test_each_kind_goes_through_both_review_levels(api, world):
    cert = assert_ok(create(api, world, "registration_certificate", cert_no=f" {OWN_CERT} ", remarks="自有生产",
                            product_name="客户端改的名称", registrant_credit_code="X"), "a certificate", 201)
    assert cert["status"] == "draft" and OWN_CERT in cert["title"], cert
    assert cert["data"] == {"cert_no": OWN_CERT, "remarks": "自有生产", "product_name": "一次性使用无菌注射器",
                            "registrant_name": "青海医疗器械制造有限公司",
                            "registrant_credit_code": world["org"].credit_code, "valid_until": "2029-06-30",
                            "device_class": "III"}, "national fields come from the catalog, whatever was sent"
    submit(api, world, "registration_certificate", cert["record_id"])

    item = assert_ok(create(api, world, "consumable_item", code20=ITEM.lower()), "an item under it", 201)
    assert item["data"] == {"code20": ITEM, "name": "一次性使用无菌注射器 带针", "cert_no": OWN_CERT}, item
    submit(api, world, "consumable_item", item["record_id"])

    product = assert_ok(create(api, world, "product", code27=PRODUCT, min_usage_unit="U001", min_package_unit="u016",
                               min_package_ratio=10, middle_package_unit="U017", middle_package_ratio=20),
                        "a product of the item", 201)
    data = product["data"]
    assert (data["min_package_spec"], data["middle_package_spec"]) == ("10支/盒", "20盒/箱"), data
    assert (data["specification"], data["model"], data["code20"], data["min_package_unit"]) == \
        ("5ml", "带针 0.6×25", ITEM, "U016"), data
    submit(api, world, "product", product["record_id"])

    ent = assert_ok(entrustment(api, world), "an overseas agent's entrustment", 201)
    assert ent["record_id"] != f"entrustment-{world['org'].org_id}" and len(ent["file_ids"]) == 1, ent
    assert ent["data"]["certificates"] == [{"cert_no": FOREIGN_CERT, "product_name": "冠状动脉药物洗脱支架系统",
                                            "registrant_name": "Medtronic, Inc."}], ent
    submit(api, world, "entrustment", ent["record_id"])

    records = [(cert, "registration_certificate"), (item, "consumable_item"), (product, "product"),
               (ent, "entrustment")]
    for record, _ in records:
        assert decide(api, world, record["record_id"], "first")["status"] == "pending_final"
    for record, kind in records:
        final = decide(api, world, record["record_id"], "final", "reviewer2")
        assert (final["status"], final["effective_revision"]) == ("approved", 1), final
        listed = assert_ok(api.get(f"/records/{kind}?tab=approved", token=world["token"]), f"approved {kind}")
        assert [r["record_id"] for r in listed["items"]] == [record["record_id"]]

    # the entrustment lets the enterprise keep the overseas registrant's certificate
    foreign = assert_ok(create(api, world, "registration_certificate", cert_no=FOREIGN_CERT), "foreign cert", 201)
    assert foreign["data"]["registrant_credit_code"] is None
    # an approved record being changed still counts as approved for the records under it
    assert_ok(api.post(f"/records/registration_certificate/{cert['record_id']}/change", token=world["token"]),
              "change")
    assert_ok(create(api, world, "consumable_item", code20="C1401010010000200001"), "a second item", 201)


def test_registration_certificate_rules(api, world):
    kind = "registration_certificate"
    assert_error(create(api, world, kind, cert_no="国械注准99999999999"), 400, "not_in_catalog", "unknown")
    bad = create(api, world, kind, cert_no="国械 注准")
    assert_error(bad, 400, "validation_failed", "a blank inside")
    assert [d["field"] for d in body(bad)["error"]["details"]] == ["data.cert_no"]
    extra = create(api, world, kind, cert_no=OWN_CERT, colour="red")
    assert [d["field"] for d in body(extra)["error"]["details"]] == ["data.colour"], extra.body
    assert_error(api.post(f"/records/{kind}", {"data": {}}, token=world["token"]), 400, "validation_failed",
                 "no certificate number")

    # 境外代理 / 委托生产: the entrustment comes first, and a draft is not enough
    assert_error(create(api, world, kind, cert_no=FOREIGN_CERT), 409, "entrustment_required", "no entrustment")
    overseas = body(entrustment(api, world))["record_id"]
    assert_error(create(api, world, kind, cert_no=FOREIGN_CERT), 409, "entrustment_required", "a draft entrustment")
    files = {f: factory.verified_pdf(world["org"], world["op"])
             for f in ("agreement_file_id", "production_licence_file_id", "product_registration_file_id")}
    produced = assert_ok(entrustment(api, world, "entrusted_production", (OTHER_CERT,), **files), "委托生产", 201)
    submit(api, world, "entrustment", produced["record_id"])
    assert_error(create(api, world, kind, cert_no=FOREIGN_CERT), 409, "entrustment_required",
                 "an entrustment of other certificates")
    assert_ok(create(api, world, kind, cert_no=OTHER_CERT), "an entrusted production's certificate", 201)
    submit(api, world, "entrustment", overseas)
    assert_ok(create(api, world, kind, cert_no=FOREIGN_CERT), "once the entrustment is submitted", 201)
    assert len(records_of(world, kind)) == 2, "the refused certificates left nothing behind"

    own = assert_ok(create(api, world, kind, cert_no=OWN_CERT), "its own certificate", 201)
    assert_error(create(api, world, kind, cert_no=OWN_CERT), 409, "record_exists", "the same certificate twice")
    assert_error(api.put(f"/records/{kind}/{own['record_id']}", {"data": {"cert_no": MASK_CERT}},
                         token=world["token"]), 400, "key_immutable", "another number on edit")
    edited = assert_ok(api.put(f"/records/{kind}/{own['record_id']}", {"data": {**own["data"], "remarks": "备注"}},
                               token=world["token"]), "an edit sending the record back with its national fields")
    assert edited["data"]["remarks"] == "备注" and edited["data"]["product_name"] == "一次性使用无菌注射器"
    assert len(records_of(world, kind)) == 3


def test_entrustment_rules(api, world):
    kind = "entrustment"
    letter = factory.verified_pdf(world["org"], world["op"])
    cases = [
        (dict(type="agency"), 400, "file_required", "data.authorization_letter_file_id"),
        (dict(type="agency", authorization_letter_file_id=letter, agreement_file_id=letter), 400,
         "document_not_for_type", "data.agreement_file_id"),
        (dict(type="self_produced", authorization_letter_en_file_id=letter), 400, "document_not_for_type",
         "data.authorization_letter_en_file_id"),
        (dict(type="overseas_agent", authorization_letter_en_file_id=letter), 400, "file_required",
         "data.authorization_letter_zh_file_id"),
        (dict(type="entrusted_production", agreement_file_id=letter, production_licence_file_id=letter), 400,
         "file_required", "data.product_registration_file_id"),
        (dict(type="self_produced", valid_from="2027-01-01", valid_to="2026-12-31"), 400, "dates_out_of_order",
         "data.valid_to"),
        (dict(type="self_produced", certificate_nos=[OWN_CERT, f"{OWN_CERT} "]), 400, "duplicate_certificate",
         "data.certificate_nos.1"),
        (dict(type="self_produced", certificate_nos=[OWN_CERT, "国械注准99999999999"]), 400, "not_in_catalog",
         "data.certificate_nos.1"),
        (dict(type="self_produced", certificate_nos=[]), 400, "validation_failed", "data.certificate_nos"),
        (dict(type="self_produced", certificate_nos=[OWN_CERT] * 51), 400, "validation_failed",
         "data.certificate_nos"),
        (dict(type="franchise"), 400, "validation_failed", "data.type"),
        (dict(type="agency", authorization_letter_file_id="0" * 32), 400, "file_not_found",
         "data.authorization_letter_file_id"),
        (dict(type="self_produced", certificates=[], note="x"), 400, "validation_failed", "data.note"),
    ]
    for over, status, code, field in cases:
        data = {"valid_from": "2026-01-01", "valid_to": "2028-12-31", "certificate_nos": [OWN_CERT], **over}
        response = api.post(f"/records/{kind}", {"data": data}, token=world["token"])
        error = assert_error(response, status, code, f"entrustment {over}")
        assert [d["field"] for d in error["details"]] == [field], f"{over}: {error}"
    assert records_of(world, kind) == [], "a refused entrustment left a record behind"

    first = assert_ok(entrustment(api, world, "self_produced", (OWN_CERT, MASK_CERT)), "本企业生产", 201)
    assert first["file_ids"] == [] and first["title"].startswith("委托授权：本企业生产（2 个注册证")
    second = assert_ok(entrustment(api, world, "agency", (FOREIGN_CERT,), authorization_letter_file_id=letter),
                       "本企业代理", 201)
    assert second["file_ids"] == [letter]
    assert sorted(records_of(world, kind)) == sorted([first["record_id"], second["record_id"]]), \
        "no natural key: two entrustments of one enterprise"


def test_item_and_product_rules(api, world):
    assert_error(create(api, world, "consumable_item", code20="C9999999999999999999"), 400, "not_in_catalog",
                 "an item not in the catalog")
    short = create(api, world, "consumable_item", code20=ITEM[:-1])
    assert_error(short, 400, "validation_failed", "a 19-character code")
    assert body(short)["error"]["details"][0]["field"] == "data.code20"
    assert_error(create(api, world, "consumable_item", code20=ITEM), 409, "certificate_not_submitted",
                 "no certificate record")
    cert = body(create(api, world, "registration_certificate", cert_no=OWN_CERT))["record_id"]
    assert_error(create(api, world, "consumable_item", code20=ITEM), 409, "certificate_not_submitted",
                 "a certificate still in draft")
    submit(api, world, "registration_certificate", cert)
    item = assert_ok(create(api, world, "consumable_item", code20=ITEM), "an item of a submitted cert", 201)
    assert_error(create(api, world, "consumable_item", code20=MASK_ITEM), 409, "certificate_not_submitted",
                 "an item of another certificate")

    good = dict(code27=PRODUCT, min_usage_unit="U001", min_package_unit="U016", min_package_ratio=10)
    assert_error(create(api, world, "product", **good), 409, "item_not_submitted", "an item still in draft")
    submit(api, world, "consumable_item", item["record_id"])
    assert_error(create(api, world, "product", **{**good, "code27": MASK_ITEM + "0000001"}), 409,
                 "item_not_submitted", "a product of an item the enterprise has not kept")
    cases = [
        ({"code27": ITEM + "0000009"}, "not_in_catalog", ["data.code27"]),
        ({"code27": ITEM}, "validation_failed", ["data.code27"]),
        ({"min_usage_unit": "U999"}, "unit_not_found", ["data.min_usage_unit"]),
        ({"middle_package_unit": "X001", "middle_package_ratio": 20}, "unit_not_found", ["data.middle_package_unit"]),
        ({"min_package_ratio": 0}, "ratio_invalid", ["data.min_package_ratio"]),
        ({"min_package_ratio": -3}, "ratio_invalid", ["data.min_package_ratio"]),
        ({"min_package_ratio": "10"}, "ratio_invalid", ["data.min_package_ratio"]),
        ({"min_package_ratio": 2.5}, "ratio_invalid", ["data.min_package_ratio"]),
        ({"middle_package_unit": "U017", "middle_package_ratio": 0}, "ratio_invalid", ["data.middle_package_ratio"]),
        ({"middle_package_unit": "U017"}, "middle_package_incomplete", ["data.middle_package_ratio"]),
        ({"middle_package_ratio": 20}, "middle_package_incomplete", ["data.middle_package_unit"]),
        ({"min_package_unit": "U001"}, "units_identical", ["data.min_package_unit"]),
        ({"min_usage_unit": ""}, "validation_failed", ["data.min_usage_unit"]),
        ({"barcode": "690"}, "validation_failed", ["data.barcode"]),
    ]
    for over, code, fields in cases:
        error = assert_error(create(api, world, "product", **{**good, **over}), 400, code, f"product {over}")
        assert [d["field"] for d in error["details"]] == fields, f"{over}: {error}"
    assert records_of(world, "product") == [], "a refused product left a record behind"

    made = assert_ok(create(api, world, "product", **good, specification="假规格", min_package_spec="1支/箱"),
                     "a product without middle packaging", 201)
    assert (made["data"]["specification"], made["data"]["min_package_spec"], made["data"]["middle_package_spec"]) \
        == ("5ml", "10支/盒", None), made["data"]
    assert made["record_id"] == f"product-{world['org'].org_id}-{PRODUCT}"
    assert records_of(world, "product") == [made["record_id"]]
    assert records_of(world, "consumable_item") == [item["record_id"]]
