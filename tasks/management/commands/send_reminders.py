"""python manage.py send_reminders [--today YYYY-MM-DD]: the daily reminder job, run synchronously."""
import datetime
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from tasks.notifications.models import OutboxMessage
from tasks.notifications.services import outbox_relay
from tasks.plans.services import recurring_tasks_ensure
from tasks.reminders.services import reminders_send


class Command(BaseCommand):
    help = "Runs the daily reminder job now (for back-fills and tests); safe to run twice on a day."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to run for, YYYY-MM-DD (default: today in Asia/Shanghai)")
        parser.add_argument("--relay", action="store_true", help="also relay the pending outbox now (e-mail, 企业微信, 钉钉, SMS)")

    def handle(self, *args, today=None, relay=False, **options):

        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError:
                from django.utils.translation import gettext as _

                raise CommandError(_("--today：日期格式应为 YYYY-MM-DD，收到“%(value)s”") % {"value": today}) from None
        else:
            from django.utils import timezone

            day = timezone.localdate()
        created = recurring_tasks_ensure(today=day)
        report = reminders_send(today=day)
        sent = outbox_relay() if relay else 0
        # what became of this run's messages, whoever sent them (without a worker they went when the run committed)
        statuses = Counter(OutboxMessage.objects.filter(key__in=report.outbox_keys).values_list("status", flat=True))
        figures = {**report.as_dict(), "recurring_created": created, "relayed": sent,
                   "delivery": ",".join(f"{status}:{n}" for status, n in sorted(statuses.items())) or "-"}
        self.stdout.write(" ".join(f"{k}={v}" for k, v in figures.items()))
