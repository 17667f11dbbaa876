"""A county official uploads a workbook made as offices make them (issue 14): the preview says where the
header was found and which rows it skipped; the official reads the other sheet, then commits."""
from __future__ import annotations

import openpyxl
import pytest

from tests.browser.conftest import text_of
from tests.census import import_files as files

pytestmark = pytest.mark.browser

HEADER = ["序号", "姓名", "民族", "身份证号码", "类别", "居住地区划代码"]


@pytest.fixture
def office_workbook(demo_data, tmp_path, settings):
    from census.registry.models import Campaign
    from orgs.regions.models import Region

    settings.MEDIA_ROOT = tmp_path / "media"
    Campaign.objects.create(year=2026, name="2026年度玉溪市侨情调查", region=Region.objects.get(code="530400"))
    book = openpyxl.Workbook()
    for index, (title, n, seed) in enumerate((("河西镇", 2, 61), ("纳古镇", 4, 62))):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        sheet.append([f"通海县{title}2026年侨情调查登记表"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        sheet.append(["填报单位：通海县侨联（盖章）", None, None, "填报日期：2026年5月1日"])
        sheet.append(HEADER)
        for i, number in enumerate(files.ids("530423", n, seed=seed)):
            sheet.append([i + 1, f"{title}侨{i}", "汉", number, "侨眷", "530423101" if index == 0 else "530423102"])
        sheet.append(["合计", None, None, None, f"{n}人"])
        sheet.append(["填表说明：身份证号码请设为文本格式。"])
    path = tmp_path / "通海县侨情登记.xlsx"
    book.save(path)
    return path


def test_an_office_workbook_is_previewed_another_sheet_read_and_committed(page, login, screenshot, office_workbook):
    login(page, "tonghai_official")
    page.goto("/census/imports/")
    page.get_by_test_id("upload-form").locator("input[type=file]").set_input_files(str(office_workbook))
    page.get_by_test_id("upload-form").locator("button[type=submit]").click()
    page.wait_for_load_state()

    reading = page.get_by_test_id("import-reading")
    assert "河西镇" in text_of(reading) and "第 3 行" in text_of(reading)
    assert "跳过 1 行：合计行（第 6 行）" in text_of(reading) and "跳过 1 行：说明行（第 7 行）" in text_of(reading)
    assert text_of(page.get_by_test_id("count-new")) == "2"
    assert "已忽略无法识别的列：序号、民族" in text_of(page.get_by_test_id("import-message"))
    screenshot(page, "import_office_preview")

    page.get_by_test_id("sheet-form").locator("select").select_option("纳古镇")
    page.get_by_test_id("sheet-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "纳古镇" in text_of(page.get_by_test_id("reading-sheet"))
    assert text_of(page.get_by_test_id("count-new")) == "4"
    assert "跳过 1 行：合计行（第 8 行）" in text_of(page.get_by_test_id("reading-skipped"))

    page.get_by_test_id("commit-all").click()
    page.wait_for_load_state()
    assert "已导入：新增 4 人" in page.content()
    screenshot(page, "import_office_committed")
