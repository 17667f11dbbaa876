"""The unit directory in a browser (issue 15 §3): a county official lists the units of 通海县, filters them, opens a
unit (its people, verdict and organization), looks at what merging a duplicate would move, and previews an import of
an office's unit list (a title row above the header, a bad credit code named by row and value)."""
from __future__ import annotations

import openpyxl
import pytest

from tests.browser.conftest import text_of

pytestmark = pytest.mark.browser


@pytest.fixture
def units(demo_data, tmp_path, settings):
    from django.contrib.auth import get_user_model

    from census.coverage.services import evaluate_coverage, policies_load
    from census.registry.services import unit_create
    from orgs.organizations.founding import OrganizationStatus
    from orgs.organizations.models import Organization, OrganizationKind
    from orgs.regions.models import Region
    from tests.census.factories import register_person

    settings.MEDIA_ROOT = tmp_path / "media"
    policies_load()
    official = get_user_model().objects.get(username="tonghai_official")
    tonghai, hexi = Region.objects.get(code="530423"), Region.objects.get(code="530423101")
    school = unit_create(editor=official, name="通海县第一中学", kind="school", region=tonghai)
    duplicate = unit_create(editor=official, name="通海一中", kind="school", region=hexi, credit_code="12530423MB0000001X")
    company = unit_create(editor=official, name="河西电力有限公司", kind="enterprise", region=hexi)
    unit_create(editor=official, name="通海县侨商会", kind="social_organization", region=tonghai)
    for seed in range(3):
        register_person(official, seed=5100 + seed, region=hexi, unit=school, phone="")
    register_person(official, seed=5200, region=hexi, unit=duplicate, phone="")
    Organization.objects.create(name="河西电力侨联", kind=OrganizationKind.ENTERPRISE, status=OrganizationStatus.ACTIVE, region=hexi, unit=company)
    evaluate_coverage(tonghai)

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "单位名录"
    sheet.append(["通海县2026年单位名录"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=5)
    sheet.append(["单位名称", "单位类别", "所在区划", "统一社会信用代码", "两新组织"])
    sheet.append(["河西镇中心小学", "", "河西镇", "", ""])
    sheet.append(["通海县第一中学", "学校", "530423", "12530423MB00000021", ""])
    sheet.append(["纳古工贸有限公司", "非公有制经济组织", "530423102", "91530423MA6K00001X", ""])
    sheet.append(["合计", "3个"])
    path = tmp_path / "通海县单位名录.xlsx"
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.data_type = "s" if isinstance(cell.value, str) else cell.data_type
    book.save(path)
    return {"school": school, "path": path}


def test_list_filter_detail_merge_and_import_preview(page, login, screenshot, units):
    login(page, "tonghai_official")
    page.goto("/census/units/")
    rows = page.get_by_test_id("units").locator("tbody tr")
    assert rows.count() == 4
    listing = text_of(page.get_by_test_id("units"))
    assert "河西电力侨联" in listing and "12530423MB0000001X" in listing
    screenshot(page, "units_list")

    page.get_by_test_id("unit-filter").locator("#id_kind").select_option(["school"])
    page.get_by_test_id("unit-filter").locator("button[type=submit]").click()
    page.wait_for_load_state()
    names = [text_of(cell) for cell in page.get_by_test_id("units").locator("tbody th").all()]
    assert sorted(names) == ["通海一中", "通海县第一中学"]
    screenshot(page, "units_filtered")

    page.get_by_role("link", name="通海县第一中学", exact=True).click()
    page.wait_for_url(f"**/census/units/{units['school'].pk}/")
    assert text_of(page.get_by_test_id("unit-people-total")).startswith("3")
    assert "通海县第一中学" in text_of(page.get_by_test_id("unit-reason"))
    screenshot(page, "unit_detail")

    page.get_by_test_id("merge-search-form").locator("input[name=q]").fill("一中")
    page.get_by_test_id("merge-search-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.get_by_test_id("merge-choose").first.click()
    page.wait_for_load_state()
    moves = text_of(page.get_by_test_id("merge-moves"))
    assert "人员 1 人" in moves and "12530423MB0000001X" in moves
    screenshot(page, "unit_merge_confirm")

    page.goto("/census/units/")
    page.get_by_test_id("unit-import-link").click()
    page.get_by_test_id("unit-upload-form").locator("input[type=file]").set_input_files(str(units["path"]))
    page.get_by_test_id("unit-upload-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert text_of(page.get_by_test_id("count-new")) == "1"
    assert text_of(page.get_by_test_id("count-updated")) == "1"
    assert text_of(page.get_by_test_id("count-invalid")) == "1"
    assert "第 2 行" in text_of(page.get_by_test_id("reading-header-row"))
    errors = text_of(page.get_by_test_id("errors"))
    assert "5 统一社会信用代码 91530423MA6K00001X" in errors and "校验位" in errors
    assert page.get_by_test_id("commit-valid").is_visible()
    screenshot(page, "unit_import_preview")
