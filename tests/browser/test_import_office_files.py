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


DOCUMENT_HEADER = ["序号", "姓名", "性别", "出生日期", "证件类型", "证件号码", "类别", "居住地区划代码", "工作单位", "侨居国(地区)"]


def test_passports_new_units_and_possible_duplicates_are_shown_and_confirmed(page, login, screenshot, demo_data, tmp_path, settings):
    """A county official imports people by passport and permit: the preview lists the units to create and the
    person who may already be registered; the official ticks both confirmations and commits."""
    from django.contrib.auth import get_user_model

    from census.registry.models import Campaign, Person
    from census.registry.services import person_create
    from orgs.regions.models import Region

    settings.MEDIA_ROOT = tmp_path / "media"
    Campaign.objects.create(year=2026, name="2026年度玉溪市侨情调查", region=Region.objects.get(code="530400"))
    known = person_create(
        editor=get_user_model().objects.get(username="tonghai_official"), name="归侨陈某", id_number=files.ids("530423", 1, seed=90)[0],
        category="returned", region=Region.objects.get(code="530423101"),
    )
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(DOCUMENT_HEADER)
    sheet.append([1, "新侨甲", "男", "1985-02-03", "护照", "E12345678", "华侨", "530423101", "通海县侨乡食品有限公司", "泰国"])
    sheet.append([2, "新侨乙", "女", "1990-07-08", "台胞证", "12345678", "归侨", "530423102", "通海县侨乡食品有限公司", ""])
    sheet.append([3, known.name, known.get_gender_display(), known.birth_date.isoformat(), "护照", "G87654321", "华侨", "530423101", "", "缅甸"])
    path = tmp_path / "护照与新单位.xlsx"
    book.save(path)

    login(page, "tonghai_official")
    page.goto("/census/imports/")
    page.get_by_test_id("upload-form").locator("input[type=file]").set_input_files(str(path))
    page.get_by_test_id("upload-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert text_of(page.get_by_test_id("count-new")) == "3"
    assert "将新建 1 个单位" in text_of(page.get_by_test_id("new-units"))
    assert "通海县侨乡食品有限公司" in text_of(page.get_by_test_id("new-units"))
    assert known.id_number_masked in text_of(page.get_by_test_id("possible-duplicates"))
    screenshot(page, "import_documents_preview")

    page.get_by_test_id("create-units").check()
    page.get_by_test_id("accept-duplicates").check()
    page.get_by_test_id("commit-all").click()
    page.wait_for_load_state()
    assert "已导入：新增 3 人" in page.content() and "已新建 1 个单位" in page.content()
    screenshot(page, "import_documents_committed")

    passport_holder = Person.objects.get(name="新侨甲")
    page.goto(f"/census/persons/{passport_holder.pk}/")
    page.get_by_test_id("document-form").locator("select").select_option("hk_macao_permit")
    page.get_by_test_id("document-form").locator("input[name=id_number]").fill("H11223344")
    page.get_by_test_id("document-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "H1*****44" in text_of(page.get_by_test_id("documents"))
    assert "E12345678" not in page.content()
    screenshot(page, "person_documents")
