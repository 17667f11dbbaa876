"""A county official uploads a township's sheet whose headers we do not know (issue 14): the page offers a choice of
field for each column, the official maps the columns, previews and commits; the next file with the same header is
read with the same mapping."""
from __future__ import annotations

import openpyxl
import pytest

from tests.browser.conftest import text_of
from tests.census import import_files as files

pytestmark = pytest.mark.browser

# 名 字 and 身份证号码 are headers we know; 人员身份 (the category) and 户籍所在地 (the place) are not; 序号 and 民族 we do
# not keep.
HEADER = ["序号", "名 字", "身份证号码", "人员身份", "户籍所在地", "民族"]


def township_sheet(path, n: int, seed: int):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "河西镇"
    sheet.append(["河西镇侨情摸底表"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(HEADER)
    for i, number in enumerate(files.ids("530423", n, seed=seed)):
        sheet.append([i + 1, f"摸底{seed}-{i}", number, "归侨" if i % 2 else "侨眷", "530423101", "汉"])
        sheet.cell(sheet.max_row, 3).data_type = "s"
    book.save(path)
    return path


@pytest.fixture
def campaign(demo_data, tmp_path, settings):
    from census.registry.models import Campaign
    from orgs.regions.models import Region

    settings.MEDIA_ROOT = tmp_path / "media"
    return Campaign.objects.create(year=2026, name="2026年度玉溪市侨情调查", region=Region.objects.get(code="530400"))


def upload(page, path):
    page.goto("/census/imports/")
    page.get_by_test_id("upload-form").locator("input[type=file]").set_input_files(str(path))
    page.get_by_test_id("upload-form").locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_the_official_maps_unknown_columns_previews_and_commits(page, login, screenshot, campaign, tmp_path):
    from census.importing.models import ColumnMapping
    from census.registry.models import Person

    login(page, "tonghai_official")
    upload(page, township_sheet(tmp_path / "河西镇摸底表.xlsx", 3, seed=71))

    assert text_of(page.get_by_test_id("import-status")) == "失败"
    assert "缺少必需的列：类别、居住地区划代码" in text_of(page.get_by_test_id("import-message"))
    form = page.get_by_test_id("mapping-form")
    assert form.is_visible()
    assert form.locator("select").count() == len(HEADER)
    assert form.get_by_label("名 字").input_value() == "name"  # recognised: preselected
    assert form.get_by_label("身份证号码").input_value() == "id_number"
    assert form.get_by_label("户籍所在地").input_value() == ""  # unknown: 忽略
    screenshot(page, "import_mapping_needed")

    form.get_by_label("人员身份").select_option("category")
    form.get_by_label("户籍所在地").select_option("region")
    screenshot(page, "import_mapping_chosen")
    page.get_by_test_id("mapping-submit").click()
    page.wait_for_load_state()

    assert text_of(page.get_by_test_id("import-status")) == "已预览"
    assert text_of(page.get_by_test_id("count-new")) == "3"
    assert text_of(page.get_by_test_id("count-invalid")) == "0"
    assert "已忽略无法识别的列：序号、民族" in text_of(page.get_by_test_id("import-message"))
    assert "第 2 行" in text_of(page.get_by_test_id("reading-header-row"))
    assert not page.get_by_test_id("mapping-form").is_visible()  # still offered, folded away
    screenshot(page, "import_mapping_preview")

    page.get_by_test_id("commit-all").click()
    page.wait_for_load_state()
    assert "已导入：新增 3 人" in page.content()
    assert set(Person.objects.filter(name__startswith="摸底71").values_list("category", "region__code")) == {
        ("relative", "530423101"), ("returned", "530423101"),
    }
    assert ColumnMapping.objects.filter(user__username="tonghai_official").count() == 1
    screenshot(page, "import_mapping_committed")

    # The next file with the same header is read with the mapping the official saved.
    upload(page, township_sheet(tmp_path / "河西镇摸底表二.xlsx", 2, seed=72))
    assert text_of(page.get_by_test_id("import-status")) == "已预览"
    assert text_of(page.get_by_test_id("mapping-remembered")) == "已按您上次保存的列对应关系读取"
    assert text_of(page.get_by_test_id("count-new")) == "2"
    page.get_by_test_id("mapping-card").locator("summary").click()
    assert page.get_by_test_id("mapping-form").get_by_label("人员身份").input_value() == "category"
    screenshot(page, "import_mapping_remembered")
