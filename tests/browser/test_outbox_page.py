"""消息发送 (the system administrator's view of every outbound message) as it is read on an office laptop (1366 px): every
column of the table is on screen without scrolling sideways, an error shows its platform code before its message, and
the times of a message are one per line (created, sent, next attempt)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.browser.conftest import csp_violations, csp_watch, text_of

pytestmark = pytest.mark.browser


@pytest.fixture
def messages(demo_data):
    from tasks.notifications.models import OutboxChannel, OutboxMessage, OutboxStatus

    users = list(get_user_model().objects.filter(username__in=["tonghai_official", "yuxi_staff", "yunnan_staff"]))
    now = timezone.now()
    long_subject = "侨联组织建设提醒：您有 3 项任务已逾期、2 项任务 7 天内到期（通海县侨联成立、河西镇侨联筹备组）"
    rows = []
    for i in range(12):
        user = users[i % len(users)]
        status = [OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.THROTTLED, OutboxStatus.FALLBACK][i % 4]
        rows.append(OutboxMessage(
            key=f"digest:{user.pk}:2022-12-30:{i}", channel=[OutboxChannel.WECOM, OutboxChannel.DINGTALK, OutboxChannel.EMAIL][i % 3],
            recipient=user, subject=long_subject, body="…", status=status, attempts=1 + i % 3,
            error_code={OutboxStatus.FAILED: "60020", OutboxStatus.THROTTLED: "45009", OutboxStatus.FALLBACK: "81013"}.get(status, ""),
            last_error={OutboxStatus.FAILED: "not allow to access from your ip, hint: [1700000000_1_fake], from ip: 203.0.113.9, "
                        "more info at https://open.work.weixin.qq.com/devtool/query?e=60020",
                        OutboxStatus.THROTTLED: "api freq out of limit", OutboxStatus.FALLBACK: "user & party & tag all invalid"}.get(status, ""),
            created_at=now - dt.timedelta(minutes=30 + i), sent_at=now - dt.timedelta(minutes=i) if status == OutboxStatus.SENT else None,
            next_attempt_at=now + dt.timedelta(minutes=5) if status == OutboxStatus.THROTTLED else None,
        ))
    OutboxMessage.objects.bulk_create(rows)


def test_the_outbox_fits_an_office_laptop(page, login, screenshot, messages):
    console = csp_watch(page)
    login(page, "admin")
    page.goto("/tasks/messages/")
    table = page.get_by_test_id("outbox")
    assert table.is_visible() and page.get_by_test_id("outbox-row").count() == 12
    screenshot(page, "outbox_1366")
    # the whole table is on screen: no column scrolls out of its card at 1366 px
    overflow = page.evaluate("""() => { const t = document.querySelector('[data-testid=outbox]');
        return t.scrollWidth - t.parentElement.clientWidth; }""")
    assert overflow <= 0, f"the table is {overflow} px wider than its card"
    failed = page.locator("[data-testid=outbox-row][data-status=failed]").first
    assert text_of(failed.get_by_test_id("error-code")) == "60020" and "203.0.113.9" in text_of(failed.get_by_test_id("error-message"))
    throttled = page.locator("[data-testid=outbox-row][data-status=throttled]").first
    assert throttled.get_by_test_id("next-attempt").is_visible() and throttled.get_by_test_id("sent-at").count() == 0
    sent = page.locator("[data-testid=outbox-row][data-status=sent]").first
    assert sent.get_by_test_id("sent-at").is_visible() and text_of(sent.locator("td.outbox-error")) == "—"
    assert csp_violations(page, console) == []
