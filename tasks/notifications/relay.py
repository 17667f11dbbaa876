"""The outbox relay: sends each outbox message once, through its channel, and records what became of it.

State machine of a row (`OutboxStatus`):

    pending ──claim──▶ sending ──▶ sent            (accepted; 钉钉 rows are asked `getsendresult` CONFIRM_AFTER later:
       ▲                  │                          → failed with the platform's reason when it will not deliver)
       │                  ├──▶ throttled ──(next_attempt_at)──▶ claimed again
       └── passing failure┤                         (45009, or a per-member limit of the client)
          (< MAX_ATTEMPTS)├──▶ fallback            (refused: 60020, unknown user, no mobile, channel no longer
                          │                          configured, or still failing after MAX_ATTEMPTS; e-mail: failed)
                          └──▶ unknown             (found "sending" after its lease: the worker died mid-call;
                                                    or the platform's answer was lost after the request went out;
                                                    or the platform's client raised during the call: RAISED)

Exactly once: a relay claims a batch (row locks with skip_locked, so two relays never take the same row) and marks
it "sending" with a lease, and COMMITS, before any call to the outside; then it calls and records the outcomes. A
worker killed between the two leaves rows "sending": once their lease is over, they become "unknown" and are never
sent again blindly (a message that may have gone out is not repeated; its inbox copy is there: every outbound
message is written beside an inbox row of the same content). The lease is longer than the relay job's hard time
limit (jobs.py), so no live relay still holds a row whose lease ran out.

The platforms' per-member limits (企业微信 30 a minute and 1,000 an hour, 钉钉 500 a day) are kept by the clients
themselves (platforms/limits.py, counted in the shared cache): over them a send answers THROTTLED with the time to
wait, and the row waits as for 45009.

The inbox row is written with the message (digests, notices), so "fallback" needs no new write: the message is in
the person's inbox, and the row says why it did not go through the channel.

No phone or document number is kept or logged in clear: every error text a row keeps (last_error, shown on 消息发送,
the sender's card and the admin) and every error logged goes through `masked` (orgs.common.identifiers.masked_numbers): an
SMS's `to` is the clear mobile, a client's or SDK's error may echo its request, a 钉钉 or 企业微信 userid may be a
mobile. Error texts say what happened in Chinese first (gettext), then the technical detail.
"""
from __future__ import annotations

import datetime
import logging
import time
import traceback
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.accounts.models import AccountProfile
from orgs.common.identifiers import masked_numbers as masked
from tasks.notifications import platforms
from tasks.notifications.models import OutboxChannel, OutboxMessage, OutboxStatus
from tasks.notifications.platforms.base import FAILED, NETWORK, NO_ANSWER, SENT, THROTTLED, Delivery, Platform

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH = 200
# Longer than the relay job's time_limit (300 s, tasks.notifications.jobs): a row "sending" past it is orphaned.
LEASE = datetime.timedelta(seconds=330)
CONFIRM_AFTER = datetime.timedelta(seconds=60)
# How long 钉钉 is asked about a message it has not decided on (each time after half the message's age, at least
# CONFIRM_AFTER): after that it counts as delivered.
CONFIRM_FOR = datetime.timedelta(days=1)
# A passing failure (no answer: "network"; the platform's "system busy" -1) is tried again; any other code is a
# refusal.
PASSING_CODES = frozenset({"", "-1", NETWORK})
# Messages of one batch in flight at once (the platforms answer in tens of milliseconds; one at a time, a province's
# digest would take minutes). Each thread has its own HTTP session (platforms/transport.py); none touches the database.
SEND_THREADS = 8
CLAIMABLE = Q(status=OutboxStatus.PENDING) | Q(status=OutboxStatus.THROTTLED)
# The code of a row whose platform client raised during its send call (see _send_platform): "unknown", as NO_ANSWER.
RAISED = "raised"


def _log_raised(what: str, error: BaseException) -> None:
    """Logs an unexpected exception with its traceback, masked (its text may hold the number the call was given)."""
    logger.error("%s\n%s", what, masked("".join(traceback.format_exception(error))))


def platform_get(channel: str) -> Platform | None:
    """The configured platform of a channel, or None (tasks.notifications.platforms.platform_for)."""
    return platforms.platform_for(channel)


def outbox_relay(*, batch: int = BATCH, seconds: float | None = None) -> int:
    """Recovers orphaned rows, sends what is due (each row once), then asks 钉钉 what became of accepted
    messages. Returns the number sent. With `seconds`, no batch is claimed after that time (the job stops well
    before its time limit; the next relay takes the rest)."""
    deadline = None if seconds is None else time.monotonic() + seconds
    outbox_recover()
    sent, after = 0, 0
    while True:
        if deadline is not None and time.monotonic() >= deadline:
            break
        rows = _claim(after, batch)
        if not rows:
            break
        after = rows[-1].pk
        done = _deliver(rows)
        sent += done
        if not done and all(row.status == OutboxStatus.PENDING for row in rows):
            break  # everything refused for now (a mail server down): the next relay tries again
    outbox_confirm(batch=batch)
    return sent


def outbox_recover(*, now: datetime.datetime | None = None) -> int:
    """Rows left "sending" past their lease (a worker killed mid-send) become "unknown": never re-sent."""
    now = now or timezone.now()
    return OutboxMessage.objects.filter(status=OutboxStatus.SENDING, claimed_until__lt=now).update(
        status=OutboxStatus.UNKNOWN, claimed_until=None, error_code="interrupted",
        last_error=_("发送过程中断，无法确认是否送达；为避免重复不再发送，消息已在站内信中"),
    )


def _claim(after: int, batch: int) -> list[OutboxMessage]:
    """Takes the next due rows and marks them "sending", committed before any call to the outside."""
    with transaction.atomic():
        now = timezone.now()
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(CLAIMABLE, pk__gt=after)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return []
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxStatus.SENDING, claimed_until=now + LEASE, attempts=F("attempts") + 1)
    return list(OutboxMessage.objects.filter(pk__in=ids).order_by("pk"))


def _deliver(rows: list[OutboxMessage]) -> int:
    """Sends claimed rows, grouped by channel, and records every outcome in one write. Interrupted (the job's soft
    time limit, a worker shutting down), it records the outcomes it has, puts back the rows whose sending had not
    started (pending again, as if never claimed), and leaves those in flight "sending" (unknown after the lease)."""
    by_channel: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        by_channel[row.channel].append(row)
    started: set[int] = set()  # rows whose call to the outside has begun
    try:
        for channel, group in by_channel.items():
            if channel == OutboxChannel.EMAIL:
                _send_emails(group, started)
            else:
                _send_platform(channel, group, started)
    except BaseException:
        for row in rows:
            if row.status == OutboxStatus.SENDING and row.pk not in started:
                row.status, row.claimed_until, row.attempts = OutboxStatus.PENDING, None, max(row.attempts - 1, 0)
        _save_outcomes([row for row in rows if row.status != OutboxStatus.SENDING])
        raise
    _save_outcomes(rows)
    return sum(1 for row in rows if row.status == OutboxStatus.SENT)


OUTCOME_FIELDS = ("status", "error_code", "last_error", "next_attempt_at", "claimed_until", "confirm_after", "sent_at", "attempts")


def _save_outcomes(rows: list[OutboxMessage]) -> None:
    """Writes a batch's outcomes: one UPDATE per distinct outcome (most of a batch shares one: sent, at the batch's
    time), and the platforms' message ids in one statement (Django's bulk_update builds a CASE per field and row,
    seconds per thousand rows)."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        groups[tuple(getattr(row, name) for name in OUTCOME_FIELDS)].append(row.pk)
    for values, ids in groups.items():
        OutboxMessage.objects.filter(pk__in=ids).update(**dict(zip(OUTCOME_FIELDS, values, strict=True)))
    references = [(row.pk, row.reference) for row in rows if row.reference]
    if references:
        table = connection.ops.quote_name(OutboxMessage._meta.db_table)
        rows_sql = ", ".join(["(CAST(%s AS BIGINT), %s)"] * len(references))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH v (id, reference) AS (VALUES {rows_sql}) "
                f"UPDATE {table} SET reference = (SELECT v.reference FROM v WHERE v.id = {table}.id) "
                f"WHERE id IN (SELECT v.id FROM v)",
                [value for pair in references for value in pair],
            )


def _record(row: OutboxMessage, delivery: Delivery, now: datetime.datetime) -> None:
    """Applies one platform's answer to its row (see the module docstring)."""
    row.claimed_until = None
    message = masked(delivery.message)
    row.error_code, row.last_error = delivery.code[:32], message[:2000]
    if delivery.outcome == SENT:
        row.status, row.sent_at, row.reference = OutboxStatus.SENT, now, delivery.reference[:128]
        row.next_attempt_at = None
        if row.channel == OutboxChannel.DINGTALK and row.reference:
            row.confirm_after = now + CONFIRM_AFTER
    elif delivery.outcome == THROTTLED:
        row.status = OutboxStatus.THROTTLED
        row.next_attempt_at = now + datetime.timedelta(seconds=max(delivery.retry_after, 1))
        row.attempts = max(row.attempts - 1, 0)  # a wait is no attempt: only passing failures use up MAX_ATTEMPTS
    elif delivery.code in (NO_ANSWER, RAISED):  # perhaps sent (an answer lost, a call that raised): never repeated
        row.status, row.next_attempt_at = OutboxStatus.UNKNOWN, None
        if delivery.code == NO_ANSWER:
            reason = _("平台未应答，无法确认是否送达；为避免重复不再发送，消息已在站内信中")
        else:
            reason = _("发送时出现意外错误，无法确认是否送达；为避免重复不再发送，消息已在站内信中")
        row.last_error = f"{reason}（{message}）"[:2000]
    elif delivery.code in PASSING_CODES and row.attempts < MAX_ATTEMPTS:
        row.status = OutboxStatus.PENDING
        row.next_attempt_at = None if row.channel == OutboxChannel.EMAIL else now + datetime.timedelta(seconds=30 * row.attempts)
    else:
        row.status = OutboxStatus.FAILED if row.channel == OutboxChannel.EMAIL else OutboxStatus.FALLBACK


def _send_emails(rows: list[OutboxMessage], started: set[int]) -> None:
    now = timezone.now()  # outcomes are stamped with the batch's time
    mailer = get_connection()
    mailer.open()
    try:
        for row in rows:
            started.add(row.pk)
            try:
                EmailMessage(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.to_address], connection=mailer).send()
            except Exception as error:
                _record(row, Delivery(FAILED, "", _("邮件发送失败：%(detail)s") % {"detail": f"{type(error).__name__}: {error}"}), now)
            else:
                _record(row, Delivery(SENT), now)
    finally:
        mailer.close()


def _send_platform(channel: str, rows: list[OutboxMessage], started: set[int]) -> None:
    now = timezone.now()
    platform = platform_get(channel)
    if platform is None:
        for row in rows:
            _record(row, Delivery(FAILED, "not-configured", _("%(channel)s未配置或已停用") % {"channel": OutboxChannel(channel).label}), now)
        return
    numbers = _mobiles(rows) if channel == OutboxChannel.SMS else {}
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    ready = []
    for row in rows:
        to = numbers.get(row.recipient_id, "") if channel == OutboxChannel.SMS else row.to_address
        if to:
            ready.append((row, to))
        else:
            _record(row, Delivery(FAILED, "no-address", _("账号没有可用的手机号码或平台账号")), now)

    def send(item: tuple[OutboxMessage, str]) -> Delivery:
        row, to = item
        started.add(row.pk)
        try:
            return platform.send(to=to, title=row.subject, body=row.body, url=f"{site}{row.url}" if row.url else "",
                                 key=row.key, params=row.params or None)
        except Exception as error:
            # A bug, or a failure the client did not turn into a Delivery. Raised from inside the call, it may have
            # come after the request went out (an SDK failing on the platform's answer): the message may have been
            # delivered, so it is recorded "unknown" and never sent again (exactly once: its inbox copy is there),
            # as when an answer is lost (NO_ANSWER); the admin sees it among the problems of 消息发送. Only the client
            # knows whether its request had left: what fails before it leaves, it answers itself as a Delivery
            # (NETWORK: tried again; sms.py when the SDK's request cannot be made).
            _log_raised(f"outbox {row.pk}: {channel}.send raised", error)
            return Delivery(FAILED, RAISED, f"{type(error).__name__}: {error}")

    if not ready:
        return
    pool = ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(ready)), thread_name_prefix="outbox")
    futures = [pool.submit(send, item) for item in ready]
    try:
        for future in futures:
            future.result()
    except BaseException:
        # Interrupted while waiting: nothing more starts; the calls under way finish (bounded by their timeouts)
        # and their answers are recorded below; the caller puts back the rows never started.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
        now = timezone.now()  # outcomes are stamped with the batch's time: one UPDATE for all those sent
        for (row, _to), future in zip(ready, futures, strict=True):
            if future.done() and not future.cancelled():
                _record(row, future.result(), now)


def _mobiles(rows: list[OutboxMessage]) -> dict[int, str]:
    """Recipients' mobiles, read from their accounts when sending (never stored in the outbox)."""
    profiles = AccountProfile.objects.filter(user_id__in={row.recipient_id for row in rows})
    return {profile.user_id: profile.phone for profile in profiles if profile.phone}


def outbox_confirm(*, batch: int = BATCH) -> int:
    """Asks 钉钉 what became of accepted messages (its `getsendresult` tells those it accepted and will not deliver:
    over 500 a day to one person, the same content twice a day, an unknown user): those become "failed" with the
    platform's reason (their inbox copy stays). Returns the number found undelivered."""
    platform = platform_get(OutboxChannel.DINGTALK)
    if platform is None:
        return 0
    undelivered = 0
    while True:
        with transaction.atomic():
            now = timezone.now()
            ids = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(channel=OutboxChannel.DINGTALK, status=OutboxStatus.SENT, confirm_after__lte=now)
                .order_by("pk").values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return undelivered
            OutboxMessage.objects.filter(pk__in=ids).update(confirm_after=now + LEASE)  # claimed for this pass
        rows = list(OutboxMessage.objects.filter(pk__in=ids).order_by("pk"))
        for row in rows:
            try:
                answer = platform.confirm(reference=row.reference, to=row.to_address)
            except Exception as error:
                _log_raised(f"outbox {row.pk}: dingtalk confirm raised", error)
                continue  # asked again after the lease
            now = timezone.now()
            if answer is None:  # not decided yet, or the platform could not be asked: again later, for a day
                age = now - (row.sent_at or now)
                row.confirm_after = None if age > CONFIRM_FOR else now + max(CONFIRM_AFTER, age / 2)
            elif answer.outcome == SENT:
                row.confirm_after = None
            elif answer.outcome == THROTTLED:
                row.confirm_after = now + datetime.timedelta(seconds=max(answer.retry_after, 1))
            else:
                row.status, row.confirm_after = OutboxStatus.FAILED, None
                row.error_code, row.last_error = answer.code[:32], masked(answer.message)[:2000]
                undelivered += 1
        OutboxMessage.objects.bulk_update(rows, ["status", "confirm_after", "error_code", "last_error"])
