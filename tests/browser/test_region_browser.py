"""The region browser: landing at one's scope, drilling down, breadcrumbs, search, export, 404 outside scope."""
from __future__ import annotations

import pytest

from tests.browser.conftest import text_of

pytestmark = pytest.mark.browser


def child_names(page) -> list[str]:
    return [name.strip() for name in page.locator("[data-testid=children] tbody th a").all_inner_texts()]


def test_city_staff_drills_down_to_county(page, login, screenshot):
    login(page, "yuxi_staff")
    page.goto("/regions/")  # the region browser lands on the user's scope
    page.wait_for_url("**/regions/530400/")
    assert page.locator("h1").inner_text().startswith("玉溪市")
    assert "通海县" in child_names(page)
    screenshot(page, "region_yuxi")

    page.locator("[data-testid=children]").get_by_role("link", name="通海县", exact=True).click()
    page.wait_for_url("**/regions/530423/")
    assert "云南省 › 玉溪市 › 通海县" in text_of(page.get_by_test_id("breadcrumb"))
    children = child_names(page)
    assert "河西镇" in children and "纳古镇" in children
    facts = text_of(page.locator(".facts"))
    assert "530423" in facts and "云南省玉溪市通海县" in facts
    screenshot(page, "region_tonghai")

    # 玉溪市 is in scope, so its crumb is a link back up; 云南省 is not, so it is plain text.
    breadcrumb = page.get_by_test_id("breadcrumb")
    assert breadcrumb.get_by_role("link", name="云南省").count() == 0
    breadcrumb.get_by_role("link", name="玉溪市").click()
    page.wait_for_url("**/regions/530400/")


def test_province_staff_lands_on_province(page, login, screenshot):
    login(page, "yunnan_staff")
    page.goto("/regions/")  # the region browser lands on the user's scope
    page.wait_for_url("**/regions/530000/")
    assert page.locator("h1").inner_text().startswith("云南省")
    children = child_names(page)
    assert len(children) == 16 and "玉溪市" in children and "昆明市" in children
    screenshot(page, "region_yunnan")


def test_admin_sees_all_provinces(page, login, screenshot):
    login(page, "admin")
    page.goto("/regions/")  # the region browser lands on the user's scope
    page.wait_for_url("**/regions/")
    children = child_names(page)
    assert len(children) == 34
    assert "云南省" in children and "北京市" in children
    assert page.get_by_role("link", name="管理后台").is_visible()
    screenshot(page, "region_admin_provinces")


def test_search_stays_within_scope(page, login, screenshot):
    login(page, "yuxi_staff")
    page.goto("/regions/")
    page.get_by_label("搜索行政区划").fill("通海")
    page.get_by_role("button", name="搜索").click()
    results = page.get_by_test_id("search-results")
    assert "通海县" in text_of(results)
    screenshot(page, "region_search")

    # 昆明市 exists, but outside 玉溪市: not found.
    page.get_by_label("搜索行政区划").fill("昆明")
    page.get_by_role("button", name="搜索").click()
    assert page.get_by_test_id("search-results").count() == 0
    assert "没有找到与“昆明”匹配的区划" in text_of(page.locator("main"))


def test_export_downloads_the_subtree_as_csv(page, login, tmp_path):
    login(page, "tonghai_official")
    page.goto("/regions/")  # the region browser lands on the user's scope
    page.wait_for_url("**/regions/530423/")
    with page.expect_download() as download_info:
        page.get_by_test_id("export-link").click()
    download = download_info.value
    assert download.suggested_filename.startswith("regions-530423-")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "code,name,level,parent_code,longitude,latitude,kind,is_key_area"
    assert lines[1].startswith("530423,通海县,county,530400,")
    assert len(lines) == 1 + 5  # the county, two townships, two villages


def test_region_outside_scope_is_404(page, login, screenshot):
    login(page, "tonghai_official")
    response = page.goto("/regions/530424/")  # 华宁县, the neighbouring county
    assert response.status == 404
    assert page.get_by_test_id("not-found").is_visible()
    assert "页面不存在或您无权查看" in text_of(page.locator("main"))
    assert "华宁县" not in page.content()
    screenshot(page, "region_404")
