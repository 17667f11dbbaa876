"""The daily reminder run: one digest per person per day.

Cadence (days are calendar days in Asia/Shanghai, `today` the run's day):
- an open task whose deadline is 30, 7 or 1 day(s) ahead reminds its responsible users;
- an overdue open task (days late = today − deadline) reminds them on days late 1…7 (daily for a week), then
  weekly on days late 8, 15, 22, …;
- from day late 8 on, each of those weekly reminders is also escalated (督办) to the staff of the superior region
  of the task's place (the nearest city or province above it: county → city → province).
Census rounds (侨情调查) ride on the same digests: a reporting region not yet submitted reminds its officials on the
same days before and after the round's deadline as a task does, and is escalated to the staff above it on the same
weekly days; a submission waiting for approval more than three working days (Monday to Friday; public holidays are
not known here) is put to those staff on every working day until they decide.
Everything a person gets on one day is one digest: a `Digest` row unique on (user, day). Rows are inserted with
ON CONFLICT DO NOTHING under this run's `run_id`; only rows carrying this run's id are delivered, so a retried or
duplicated run delivers nothing twice. Inbox rows and outbox rows are written in the same transaction: the digest
goes through each person's channel (e-mail, 企业微信 or 钉钉: tasks.notifications.services.recipients_get) under the
key `digest:{user}:{day}:{channel}`, so one person gets one digest a day on one channel. A digest that holds an
escalation (督办) also goes by SMS to its recipient when SMS is configured and the account has a mobile, one SMS per
person per day at most (`escalation-sms:{user}:{day}:sms`), its text the SMS template (SMS_ESCALATION_TEXT) with the count and the region.
"""
from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from census.registry.models import ReportStatus
from census.rounds.selectors import reports_for_reminders
from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.accounts.models import AccountProfile
from orgs.common.channels import Channel, channel_configured
from orgs.regions.models import Region, RegionLevel
from tasks.notifications.models import Digest, Notification, OutboxChannel, OutboxMessage
from tasks.notifications.platforms.sms import sms_text
from tasks.notifications.services import outbox_kick, outbox_message, recipients_get
from tasks.plans.models import Task

DAYS_BEFORE = (30, 7, 1)
DAILY_OVERDUE_DAYS = 7
WEEKLY_FROM_DAY = DAILY_OVERDUE_DAYS + 1  # 8, 15, 22, … days late
REVIEW_WORKING_DAYS = 3  # a submission waiting longer than this for approval is put to the staff above
ROUND_KINDS = ("round_due", "round_overdue", "round_escalation", "round_review")
ESCALATION_KINDS = ("escalation", "round_escalation")


def overdue_reminder_due(days_late: int) -> bool:
    """Days late on which the responsible persons are reminded."""
    return 1 <= days_late <= DAILY_OVERDUE_DAYS or escalation_due(days_late)


def escalation_due(days_late: int) -> bool:
    """Days late on which the superior region's staff are told."""
    return days_late >= WEEKLY_FROM_DAY and (days_late - WEEKLY_FROM_DAY) % 7 == 0


def reminder_deadlines(today: datetime.date, earliest: datetime.date | None) -> list[datetime.date]:
    """Every deadline that calls for a reminder today."""
    days = [today + datetime.timedelta(days=n) for n in DAYS_BEFORE]
    days += [today - datetime.timedelta(days=n) for n in range(1, DAILY_OVERDUE_DAYS + 1)]
    if earliest is not None:
        n = WEEKLY_FROM_DAY
        while today - datetime.timedelta(days=n) >= earliest:
            days.append(today - datetime.timedelta(days=n))
            n += 7
    return days


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days (Monday to Friday) after `start` up to and including `end`."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    return weeks * 5 + sum(1 for n in range(1, rest + 1) if (start + datetime.timedelta(days=n)).weekday() < 5)


@dataclass
class ReminderReport:
    today: datetime.date
    tasks: int = 0
    escalated_tasks: int = 0
    round_reports: int = 0
    round_reviews: int = 0
    people: int = 0
    digests_sent: int = 0
    digests_skipped: int = 0
    emails: int = 0
    outbound: dict[str, int] = field(default_factory=dict)
    sms: int = 0
    recipients: list[int] = field(default_factory=list)
    outbox_keys: list[str] = field(default_factory=list)  # the outbound messages this run wrote

    def as_dict(self) -> dict:
        return {"today": self.today.isoformat(), "tasks": self.tasks, "escalated_tasks": self.escalated_tasks,
                "round_reports": self.round_reports, "round_reviews": self.round_reviews, "people": self.people, "digests_sent": self.digests_sent, "digests_skipped": self.digests_skipped,
                "emails": self.emails, "outbound": ",".join(f"{k}:{v}" for k, v in sorted(self.outbound.items())) or "-",
                "sms": self.sms}


def _item_line(item: dict) -> str:
    if item["days_left"] > 0:
        when = _("还剩 %(n)d 天") % {"n": item["days_left"]}
    else:
        when = _("已逾期 %(n)d 天") % {"n": -item["days_left"]}
    prefix = _("【督办】") if item["kind"] == "escalation" else ""
    return _("%(prefix)s%(title)s（%(region)s，完成时限 %(deadline)s，%(when)s）") % {
        "prefix": prefix, "title": item["title"], "region": item["region"], "deadline": item["deadline"], "when": when}


def _round_line(item: dict) -> str:
    """One census-round line of a digest."""
    values = {"title": item["title"], "region": item["region"], "deadline": item["deadline"] or "—"}
    if item["kind"] == "round_review":
        return _("%(title)s：%(region)s已提交 %(n)d 个工作日，等待您审核") % {**values, "n": item["waiting_days"]}
    if item["days_left"] > 0:
        when = _("还剩 %(n)d 天") % {"n": item["days_left"]}
    else:
        when = _("已逾期 %(n)d 天") % {"n": -item["days_left"]}
    prefix = _("【督办】") if item["kind"] == "round_escalation" else ""
    return _("%(prefix)s%(title)s：%(region)s尚未提交（截止 %(deadline)s，%(when)s）") % {**values, "prefix": prefix, "when": when}


def _item_order(item: dict) -> tuple:
    """Own tasks, escalated tasks, the rounds one submits for, the rounds one decides on; soonest first."""
    group = {"escalation": 1, "round_due": 2, "round_overdue": 2, "round_escalation": 3, "round_review": 3}.get(item["kind"], 0)
    return group, item["days_left"], item.get("task") or item.get("report") or 0


def digest_text(day: datetime.date, items: list[dict]) -> tuple[str, str]:
    """Subject and body of one person's digest."""
    own = [i for i in items if i["kind"] in ("due", "overdue")]
    escalated = [i for i in items if i["kind"] == "escalation"]
    to_submit = [i for i in items if i["kind"] in ("round_due", "round_overdue")]
    to_decide = [i for i in items if i["kind"] in ("round_escalation", "round_review")]
    if to_submit or to_decide:
        subject = _("待办提醒 %(day)s：%(n)d 项事项需要关注") % {"day": day.isoformat(), "n": len(items)}
    else:
        subject = _("任务提醒 %(day)s：%(n)d 项任务需要关注") % {"day": day.isoformat(), "n": len(items)}
    lines = []
    if own:
        lines.append(_("您负责的任务："))
        lines += [f"· {_item_line(i)}" for i in own]
    if escalated:
        lines.append(_("下级逾期超过7天的任务（请督办）："))
        lines += [f"· {_item_line(i)}" for i in escalated]
    if to_submit:
        lines.append(_("侨情调查待提交："))
        lines += [f"· {_round_line(i)}" for i in to_submit]
    if to_decide:
        lines.append(_("侨情调查待审核或督办："))
        lines += [f"· {_round_line(i)}" for i in to_decide]
    return subject, "\n".join(lines)


def round_items(today: datetime.date, report: ReminderReport) -> dict[int, list[dict]]:
    """Today's census-round items by user: reporting regions not submitted (to their officials, on the tasks' days
    before and after the deadline; escalated weekly to the staff above), and submissions waiting for approval more
    than three working days (to the staff above, on working days)."""
    items: dict[int, list[dict]] = defaultdict(list)
    reminded, reviews = set(), set()
    for fact in reports_for_reminders(today=today, days_ahead=max(DAYS_BEFORE)):
        base = {"report": fact.report_id, "campaign": fact.campaign_id, "title": fact.campaign_name, "region": fact.region_name,
                "deadline": fact.deadline}
        if fact.status == ReportStatus.SUBMITTED:
            waiting = working_days_between(fact.submitted_on, today) if fact.submitted_on else 0
            if today.weekday() < 5 and waiting > REVIEW_WORKING_DAYS:
                for user_id in fact.superiors:
                    items[user_id].append({**base, "kind": "round_review", "days_left": -waiting, "waiting_days": waiting})
                reviews.add(fact.report_id)
            continue
        if fact.deadline is None:
            continue
        days_left = (fact.deadline - today).days
        if days_left in DAYS_BEFORE or (days_left <= 0 and overdue_reminder_due(-days_left)):
            kind = "round_due" if days_left > 0 else "round_overdue"
            for user_id in fact.submitters:
                items[user_id].append({**base, "kind": kind, "days_left": days_left})
            reminded.add(fact.report_id)
        if days_left < 0 and escalation_due(-days_left):
            for user_id in fact.superiors:
                items[user_id].append({**base, "kind": "round_escalation", "days_left": days_left})
    report.round_reports, report.round_reviews = len(reminded), len(reviews)
    return items


def _digest_url(items: list[dict]) -> str:
    """The page a digest links to: the tasks, or the round when it holds nothing else."""
    campaigns = {i["campaign"] for i in items if i["kind"] in ROUND_KINDS}
    if len(campaigns) == 1 and all(i["kind"] in ROUND_KINDS for i in items):
        return reverse("census:campaign-detail", kwargs={"pk": campaigns.pop()})
    if campaigns and all(i["kind"] in ROUND_KINDS for i in items):
        return reverse("census:campaign-list")
    return reverse("tasks:mine")


def superior_regions(region_ids) -> dict[int, int]:
    """Region id → the nearest city or province strictly above it (county → city → province), in two queries:
    the regions' MPTT coordinates and the few cities and provinces of their trees."""
    regions = list(Region.objects.filter(pk__in=set(region_ids)).values_list("pk", "tree_id", "lft", "rght"))
    uppers: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for pk, tree_id, lft, rght in Region.objects.filter(
        tree_id__in={r[1] for r in regions}, level__in=(RegionLevel.CITY, RegionLevel.PROVINCE)
    ).values_list("pk", "tree_id", "lft", "rght"):
        uppers[tree_id].append((lft, rght, pk))
    result = {}
    for pk, tree_id, lft, rght in regions:
        above = [u for u in uppers.get(tree_id, ()) if u[0] < lft and rght < u[1]]
        if above:
            result[pk] = max(above)[2]  # the deepest: largest lft
    return result


def reminders_send(*, today: datetime.date | None = None) -> ReminderReport:
    """Builds and delivers today's digests (see the module docstring). Safe to run any number of times a day."""
    today = today or timezone.localdate()
    report = ReminderReport(today)
    open_tasks = Task.objects.open()
    earliest = open_tasks.filter(deadline__lt=today).aggregate(d=Min("deadline"))["d"]
    due = open_tasks.filter(deadline__in=reminder_deadlines(today, earliest))
    tasks = {
        pk: {"title": title, "deadline": deadline, "region": region_name, "days_left": (deadline - today).days}
        for pk, title, deadline, region_name in due.values_list("pk", "title", "deadline", "region__name").iterator(chunk_size=5000)
    }
    report.tasks = len(tasks)
    items: dict[int, list[dict]] = defaultdict(list)
    for task_id, user_id in Task.responsible_users.through.objects.filter(task__in=due).values_list("task_id", "user_id").iterator(chunk_size=10000):
        task = tasks.get(task_id)
        if task and (task["days_left"] > 0 or overdue_reminder_due(-task["days_left"])):
            items[user_id].append({"task": task_id, "kind": "due" if task["days_left"] > 0 else "overdue", **task})

    escalating_deadlines = [d for d in reminder_deadlines(today, earliest) if escalation_due((today - d).days)]
    escalating_rows = list(due.filter(deadline__in=escalating_deadlines).values_list("pk", "region_id"))
    superiors = superior_regions({region_id for _t, region_id in escalating_rows})
    escalating = [(task_id, superiors.get(region_id)) for task_id, region_id in escalating_rows]
    report.escalated_tasks = len(escalating)
    if escalating:
        staff: dict[int | None, list[int]] = defaultdict(list)  # looked up by superior region, None when none
        for region_id, user_id in Membership.objects.filter(
            role=Role.STAFF, region_id__in={s for _t, s in escalating if s}
        ).values_list("region_id", "user_id"):
            staff[region_id].append(user_id)
        for task_id, superior in escalating:
            for user_id in staff.get(superior, ()):
                items[user_id].append({"task": task_id, "kind": "escalation", **tasks[task_id]})

    for user_id, extra in round_items(today, report).items():
        items[user_id] += extra

    recipients = recipients_get(items)
    report.people = len(recipients)
    if not recipients:
        return report
    run_id = uuid.uuid4()
    now = timezone.now()
    payload = {
        user_id: sorted(
            ({**i, "deadline": i["deadline"].isoformat() if i["deadline"] else None} for i in items[user_id]), key=_item_order,
        )
        for user_id in recipients
    }
    with transaction.atomic():
        Digest.objects.bulk_create(
            [Digest(user_id=u, day=today, run_id=run_id, items=payload[u], created_at=now) for u in recipients],
            ignore_conflicts=True, batch_size=2000,
        )
        mine = list(Digest.objects.filter(day=today, run_id=run_id).values_list("pk", "user_id"))
        notifications, outbox = [], []
        for digest_id, user_id in mine:
            subject, body = digest_text(today, payload[user_id])
            url = _digest_url(payload[user_id])
            notifications.append(Notification(user_id=user_id, title=subject, body=body, url=url, digest_id=digest_id, created_at=now))
            recipient = recipients[user_id]
            if recipient.outbound:
                outbox.append(outbox_message(recipient, key=f"digest:{user_id}:{today.isoformat()}", title=subject, body=body,
                                             url=url, source="digest", now=now))
        outbox += escalation_sms(today, {u: payload[u] for _d, u in mine}, now)
        Notification.objects.bulk_create(notifications, batch_size=2000)
        OutboxMessage.objects.bulk_create(outbox, batch_size=2000, ignore_conflicts=True)
        if outbox:
            transaction.on_commit(outbox_kick)
    report.digests_sent = len(mine)
    report.digests_skipped = len(recipients) - len(mine)
    report.emails = sum(1 for row in outbox if row.channel == OutboxChannel.EMAIL)
    report.sms = sum(1 for row in outbox if row.channel == OutboxChannel.SMS)
    for row in outbox:
        if row.channel != OutboxChannel.SMS:
            report.outbound[row.channel] = report.outbound.get(row.channel, 0) + 1
    report.recipients = sorted(u for _d, u in mine)
    report.outbox_keys = [row.key for row in outbox]
    return report


def escalation_sms(today: datetime.date, items_by_user: dict[int, list[dict]], now) -> list[OutboxMessage]:
    """督办 by SMS: one message a day to each person whose digest of today holds escalations, when SMS is configured
    and the account has a mobile (read from the account when sending, never copied into the outbox) and has not chosen
    the inbox only. The text is
    the provider's registered template (SMS_ESCALATION_TEXT) with its parameters: the number of escalated items and
    their region(s)."""
    escalated = {user_id: [i for i in items if i["kind"] in ESCALATION_KINDS] for user_id, items in items_by_user.items()}
    escalated = {user_id: items for user_id, items in escalated.items() if items}
    if not escalated or not channel_configured(OutboxChannel.SMS):
        return []
    # "仅站内信" is the person's own choice of nothing outside the product: no SMS either
    profiles = AccountProfile.objects.filter(user_id__in=escalated).exclude(notify_channel=Channel.INBOX)
    with_mobile = [p.user_id for p in profiles if p.phone]
    rows = []
    for user_id in with_mobile:
        regions = list(dict.fromkeys(i["region"] for i in escalated[user_id]))
        region = regions[0] if len(regions) == 1 else _("%(first)s等%(n)d地") % {"first": regions[0], "n": len(regions)}
        params = {"count": str(len(escalated[user_id])), "region": region[:20]}
        rows.append(OutboxMessage(
            key=f"escalation-sms:{user_id}:{today.isoformat()}:sms", channel=OutboxChannel.SMS, recipient_id=user_id,
            subject=_("督办提醒 %(day)s") % {"day": today.isoformat()}, body=sms_text(params), params=params,
            source="escalation", created_at=now))
    return rows
