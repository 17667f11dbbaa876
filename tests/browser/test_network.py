"""Issue 16 §3 in the browser: a 通海县 official keeps 河西镇侨联's network on its page: a WeChat group (the page
says which group Jiangxi 14 still asks for), a 1+N association of a kind Jiangxi 18 names, and an attachment of an
activity, downloaded again. Screenshots: tests/artifacts/network-*.png."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import text_of

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def open_form(page, section: str, summary: str):
    """Unfolds the part form `summary` of the section with test id `section`; returns the form."""
    card = page.get_by_test_id(section)
    card.locator("summary", has_text=summary).click()
    return card.locator("details[open] form")


def test_a_county_official_keeps_the_network_of_a_township_federation(page, login, screenshot, demo_data, tmp_path, settings):
    from orgs.organizations.models import Activity, ActivityAttachment, Organization
    from orgs.regions.models import Region

    settings.MEDIA_ROOT = tmp_path / "media"
    hexi = Region.objects.get(parent__code="530423", name="河西镇")
    organization = Organization.objects.create(name="河西镇侨联", kind="township", region=hexi, status="active")
    Activity.objects.create(organization=organization, duty="liaison", title="中秋海外乡亲联谊会", participants=80,
                            held_on=dt.date.today() - dt.timedelta(days=10))

    login(page, "tonghai_official")
    page.goto(f"/organizations/{organization.pk}/")
    rule = page.get_by_test_id("wechat-rule")
    assert "侨乡地区的乡镇级侨联应建两类地缘性微信群" in text_of(rule)
    assert [text_of(k) for k in rule.locator(".rule__kind--missing").all()] == ["海外联谊群：尚未建立", "侨界服务群：尚未建立"]
    screenshot(page, "network-01-page-before")

    form = open_form(page, "wechat-groups", "添加微信群")
    form.locator("select[name=kind]").select_option("overseas")
    form.locator("input[name=name]").fill("河西海外乡亲联谊群")
    form.locator("input[name=member_count]").fill("186")
    screenshot(page, "network-02-wechat-form")
    form.get_by_role("button", name="添加").click()
    page.wait_for_load_state()
    assert "已添加微信群" in text_of(page.locator(".alert--success"))
    assert "河西海外乡亲联谊群" in text_of(page.get_by_test_id("wechat-groups"))
    assert [text_of(k) for k in page.get_by_test_id("wechat-rule").locator(".rule__kind--missing").all()] == ["侨界服务群：尚未建立"]
    assert text_of(page.get_by_test_id("wechat-rule").locator(".rule__kind--met")) == "海外联谊群（1 个）"

    form = open_form(page, "affiliated-associations", "添加涉侨社团")
    assert "留学生眷属联谊会" in form.locator("select[name=kind] option").all_inner_texts()
    form.locator("select[name=kind]").select_option(label="特聘专家委员会")
    form.locator("input[name=name]").fill("河西镇特聘专家委员会")
    form.get_by_role("button", name="添加").click()
    page.wait_for_load_state()
    row = page.get_by_test_id("affiliated-association")
    assert text_of(row).startswith("河西镇特聘专家委员会 特聘专家委员会")
    screenshot(page, "network-03-group-and-association")

    activity = page.locator("[data-testid=activity][data-title=中秋海外乡亲联谊会]")
    activity.locator("summary", has_text="上传附件").click()
    sheet = tmp_path / "联谊会签到表.pdf"
    sheet.write_bytes(PDF)
    activity.locator("input[type=file]").set_input_files(str(sheet))
    screenshot(page, "network-04-attachment-form")
    activity.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    assert "已添加活动附件" in text_of(page.locator(".alert--success"))
    link = page.locator("[data-testid=activity][data-title=中秋海外乡亲联谊会]").get_by_role("link", name="联谊会签到表.pdf")
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "联谊会签到表.pdf" and saved.read_bytes() == PDF
    assert ActivityAttachment.objects.get().activity.organization == organization
    page.get_by_test_id("activities").scroll_into_view_if_needed()
    screenshot(page, "network-05-attachment-listed")

    # the group's member count corrected on its edit page; a contact cadre of 玉溪市 with a first contact recorded
    page.get_by_test_id("wechat-group").get_by_test_id("part-edit").click()
    page.wait_for_load_state()
    page.locator("input[name=member_count]").fill("192")
    screenshot(page, "network-06-edit-page")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "192" in text_of(page.get_by_test_id("wechat-group"))
    form = open_form(page, "cadre-contacts", "添加联系干部")
    form.locator("select[name=cadre]").select_option(label="玉溪市侨联工作人员（yuxi_staff）")
    form.locator("input[name=since]").fill((dt.date.today() - dt.timedelta(days=30)).isoformat())
    form.get_by_role("button", name="添加").click()
    page.wait_for_load_state()
    log = open_form(page, "cadre-contact", "记录一次联系")
    log.locator("select[name=way]").select_option("visit")
    log.locator("textarea[name=note]").fill("走访河西镇侨联，指导海外联谊群建设")
    log.get_by_role("button", name="记录").click()
    page.wait_for_load_state()
    assert "指导海外联谊群建设" in text_of(page.get_by_test_id("contact-logs"))
    page.get_by_test_id("cadre-contacts").scroll_into_view_if_needed()
    screenshot(page, "network-07-contact-log")

    # 华宁县's official never reaches the attachment
    page.context.clear_cookies()
    login(page, "huaning_official")
    response = page.goto(f"/organizations/attachments/{ActivityAttachment.objects.get().pk}/")
    assert response.status == 404
