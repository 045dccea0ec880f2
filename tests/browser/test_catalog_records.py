"""The enterprise keeps its consumable records (docs/catalog.md) in the portal: a certificate of an
overseas registrant is refused until an entrustment (境外代理, two PDFs) links it; a single item
chosen from its submitted certificates; a product by its form (a middle package unit without its
ratio refused); products imported from Excel (the template downloaded, one
good row and one bad row: the job's progress, the error workbook), then the draft submitted in a
batch with a result per row, the list filtered by title with the filter kept in the URL."""
from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from tests.browser.journeys import fill_date, log_in, pdf_file, settled, toast, upload

ENTERPRISE = "13800000007"  # the demo manufacturer's operator
OVERSEAS_CERT = "国械注进20173461234"  # Medtronic's: not the manufacturer's own (entrustment_required)


def _row(page, table: str, text: str):
    return page.locator(f"[data-test={table}] .el-table__body tr", has_text=text)


def _kind(page, label: str) -> None:
    page.locator("[data-test=record-kinds]").get_by_text(label, exact=True).click()
    settled(page)


def _pick(page, field: str, typed: str | None, option: str) -> None:
    """Choose ``option`` in a catalog field, typing ``typed`` first for a searched one."""
    box = page.locator(f"[data-test=field-{field}] .el-select")
    box.click()
    if typed is not None:
        box.locator("input").fill(typed)
    page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()
    page.keyboard.press("Escape")


def _unit(page, field: str, name: str) -> None:
    """Choose a unit by typing its name into the filterable select, then the option of exactly that name."""
    box = page.locator(f"[data-test=field-{field}] .el-select")
    box.click()
    box.locator("input").fill(name)
    page.locator(".el-select-dropdown__item:visible").get_by_text(name, exact=True).first.click()


def test_enterprise_keeps_certificates_items_and_imports_products(page, shots, tmp_path):
    log_in(page, ENTERPRISE)
    page.get_by_role("menuitem", name="资质维护", exact=True).click()

    # A certificate another company registered: refused while no entrustment links it.
    _kind(page, "注册证")
    page.locator("[data-test=record-new]").click()
    _pick(page, "cert_no", "国械注进", OVERSEAS_CERT)
    page.locator("[data-test=record-save]").click()
    error = page.locator("[data-test=record-error]")
    error.wait_for()
    assert "委托" in error.inner_text(), f"the entrustment rule's message should be shown: {error.inner_text()!r}"
    page.keyboard.press("Escape")

    # The entrustment: 境外代理 with both letters, linked to that certificate, submitted.
    _kind(page, "委托授权")
    page.locator("[data-test=record-new]").click()
    page.locator("[data-test=field-type] .el-select").click()
    page.locator(".el-select-dropdown__item:visible", has_text="境外代理").click()
    _pick(page, "certificate_nos", "冠状动脉", OVERSEAS_CERT)
    fill_date(page, "valid_from", "2026-01-01")
    fill_date(page, "valid_to", "2028-12-31")
    letter = pdf_file(tmp_path, "authorization.pdf")
    upload(page, "authorization_letter_en_file_id", letter)
    page.locator("[data-test=field-authorization_letter_en_file_id]", has_text="已校验").wait_for()
    upload(page, "authorization_letter_zh_file_id", letter)
    page.locator("[data-test=field-authorization_letter_zh_file_id]", has_text="已校验").wait_for()
    page.screenshot(path=shots / "entrustment-form.png")
    page.locator("[data-test=record-save-submit]").click()
    toast(page, "已保存并提交审核")

    # Now the certificate is accepted (a submitted entrustment links it).
    _kind(page, "注册证")
    page.locator("[data-test=record-new]").click()
    _pick(page, "cert_no", "国械注进", OVERSEAS_CERT)
    page.locator("[data-test=record-save]").click()
    toast(page, "已保存草稿")
    _row(page, "records", OVERSEAS_CERT).wait_for()

    # A single item: only those under submitted certificates are offered.
    _kind(page, "单件")
    page.locator("[data-test=record-new]").click()
    _pick(page, "code20", None, "C0801020010000200001")
    page.locator("[data-test=record-save]").click()
    toast(page, "已保存草稿")

    # Products from Excel: the template, then a file with one good row and one bad unit.
    _kind(page, "产品")
    with page.expect_download() as got:
        page.locator("[data-test=import-template]").click()
    template = load_workbook(io.BytesIO(got.value.path().read_bytes()))
    header = [c.value for c in template.worksheets[0][1]]
    assert any("code27" in str(h) for h in header), f"the template's header should name code27: {header}"
    book = Workbook()
    sheet = book.active
    sheet.append(header[:6])
    sheet.append(["C14010100100001000010000003", "支", "盒", 10, None, None])
    sheet.append(["C08010200100001000010000002", "不存在的单位", "盒", 10, None, None])
    path = tmp_path / "products.xlsx"
    book.save(path)
    page.locator("[data-test=import-file]").set_input_files(str(path))
    progress = page.locator("[data-test=import-progress]", has_text="已完成")
    progress.wait_for(timeout=60_000)
    href = page.locator("[data-test=import-report]").get_attribute("href")
    assert href, "the job's report (the error workbook) should be linked"
    errors = load_workbook(io.BytesIO(page.request.get(href).body()))["errors"]
    rows = [[c.value for c in r] for r in errors.iter_rows(min_row=2)]
    assert len(rows) == 1 and rows[0][0] == 3 and "单位" in str(rows[0][2]), f"the bad unit's row should be reported: {rows}"
    settled(page)
    page.screenshot(path=shots / "product-import.png")

    # A product by its form: a middle package unit without its ratio is refused, then saved.
    page.locator("[data-test=record-new]").click()
    _pick(page, "code27", None, "C08010200100001000010000002")
    _unit(page, "min_usage_unit", "支")
    _unit(page, "min_package_unit", "盒")
    page.locator("[data-test=field-min_package_ratio] input").fill("10")
    _unit(page, "middle_package_unit", "箱")
    page.locator("[data-test=record-save]").click()
    page.locator("[data-test=record-error]").wait_for()
    at_fields = page.locator(".el-form-item", has=page.locator("[data-test^=field-middle_package]")).locator(".el-form-item__error")
    at_fields.first.wait_for()
    assert "转换比" in " ".join(at_fields.all_inner_texts()), f"the packaging rule at its field: {at_fields.all_inner_texts()}"
    page.locator("[data-test=field-middle_package_ratio] input").fill("20")
    page.locator("[data-test=record-save]").click()
    toast(page, "已保存草稿")

    # The title filter, kept in the URL: only the imported product is left, also after a reload.
    page.locator("[data-test=records-search]").fill("C14010100100001000010000003")
    page.locator("[data-test=records-search]").press("Enter")
    page.wait_for_url("**q=C14010100100001000010000003**")
    page.reload()
    rows = page.locator("[data-test=records] .el-table__body tr")
    expect(rows.filter(has_text="C14010100100001000010000003")).to_have_count(1)
    expect(rows.filter(has_text="C08010200100001000010000002"), "the filter should hide the other draft").to_have_count(0)

    # The imported draft, submitted with the batch button: a result per row.
    row = _row(page, "records", "C14010100100001000010000003")
    row.wait_for()
    row.locator(".el-checkbox").click()
    page.locator("[data-test=records-submit-selected]").click()
    result = page.locator("[data-test=records-batch]")
    result.wait_for()
    assert "成功 1 条" in result.inner_text(), f"the batch result should count one success: {result.inner_text()!r}"
