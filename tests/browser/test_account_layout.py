"""The account page and its form as a county official reads them at 1366 px: the values of 基本信息 line up (the wide
e-mail row too), a 64-character 企业微信 account wraps inside its row instead of running over the next one, and the
即时通知 check box comes before its label with the help below."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def long_ids(demo_data):
    from django.contrib.auth import get_user_model

    from orgs.accounts.models import AccountProfile

    user = get_user_model().objects.get(username="tonghai_official")
    AccountProfile.objects.update_or_create(user=user, defaults={"wecom_user_id": "w" * 64, "dingtalk_user_id": "d" * 64})
    return user


def test_the_account_page_and_form_read_in_order(page, login, screenshot, long_ids):
    login(page, "yuxi_staff")  # the level above, who opened the account
    page.goto(f"/accounts/{long_ids.pk}/")
    boxes = page.evaluate("""() => [...document.querySelectorAll('.facts--account .facts__item')].map(item => {
        const dd = item.querySelector('dd').getBoundingClientRect(), row = item.getBoundingClientRect();
        return {label: item.querySelector('dt').textContent.trim(), left: dd.left, right: dd.right, rowRight: row.right}; })""")
    lefts = {box["label"]: box["left"] for box in boxes}
    column = [left for label, left in lefts.items() if label in ("姓名", "企业微信账号", "通知方式", "初始密码")]
    assert max(column) - min(column) < 2 and abs(lefts["电子邮箱"] - lefts["姓名"]) < 2, lefts
    assert all(box["right"] <= box["rowRight"] + 1 for box in boxes), [b for b in boxes if b["right"] > b["rowRight"] + 1]
    screenshot(page, "account_detail_long_ids")
    page.goto(f"/accounts/{long_ids.pk}/edit/")
    field = page.locator(".field--check").filter(has=page.locator("input[name=notify_immediate]"))
    box, label, help_text = (field.locator(selector).bounding_box() for selector in ("input", "label", ".field__help"))
    assert box["x"] < label["x"] and help_text["y"] > box["y"] + box["height"] - 1
    screenshot(page, "account_form_check")
