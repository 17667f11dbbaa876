"""Two beat processes by mistake send every scheduled job twice, possibly at the same moment on two workers. Each job
must then do its work once: the monthly leadership reports (one job and one e-mail per leader, by a database
constraint), the daily digests (tests/tasks/test_concurrency.py), the outbox relay (row locks) and the sweeps of
stuck jobs. The concurrent runs are real transactions on two connections (PostgreSQL only); the constraint itself is
checked on both databases. tests/production/fault_two_beats.py runs two real beat processes."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.common.dispatch import registered_job
from orgs.regions.models import Region
from qiaolian.celery import app
from tasks.notifications.models import OutboxMessage, OutboxStatus
from tasks.notifications.services import outbox_relay
from tasks.reports.models import ReportJob
from tasks.reports.services import monthly_reports_request
from tests.factories import MembershipFactory, UserFactory
from tests.tasks.test_concurrency import _at_once, _skip_unless_postgres
from tests.tasks.test_worker import _reload_session_data  # noqa: F401 - module fixture: these tests flush

AS_OF = dt.date(2026, 7, 1)


def _leaders(n: int = 3) -> list:
    region = Region.objects.get(code="530400")
    leaders = []
    for i in range(n):
        user = UserFactory(username=f"beat_leader_{i}", email=f"beat_leader_{i}@example.org")
        MembershipFactory(user=user, role=Role.LEADERSHIP, region=region)
        leaders.append(user)
    return leaders


@pytest.mark.django_db
def test_a_mailed_report_exists_once_per_person_region_day_and_address(yuxi_leader):
    region = Region.objects.get(code="530400")
    key = {"region": region, "format": "pdf", "as_of": AS_OF, "requested_by": yuxi_leader, "email_to": "l@example.org"}
    ReportJob.objects.create(**key)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportJob.objects.create(**key)
    # reports asked for on the page (no e-mail) may be requested again
    ReportJob.objects.create(**{**key, "email_to": ""})
    ReportJob.objects.create(**{**key, "email_to": ""})


@pytest.mark.django_db(transaction=True)
def test_two_monthly_report_runs_at_once_request_and_mail_each_report_once(eager_celery, settings, tmp_path):
    _skip_unless_postgres()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    leaders = _leaders()
    expected = Membership.objects.filter(role=Role.LEADERSHIP, user__is_active=True, region__isnull=False).exclude(user__email="").count()
    assert expected == len(leaders)

    registered_job("tasks.build_report")  # the jobs are loaded before the threads start, as in a worker process

    def run() -> int:
        app.set_current()  # Celery's current app is per thread: the threads queue the builds through the project's app
        return len(monthly_reports_request(as_of=AS_OF))

    results, errors = _at_once(run, n=3)

    assert errors == []
    jobs = ReportJob.objects.filter(as_of=AS_OF)
    assert jobs.count() == expected and sum(results) == expected
    assert sorted(message.to[0] for message in mail.outbox) == sorted(user.email for user in leaders)
    assert jobs.values("requested_by", "region").distinct().count() == expected


@pytest.mark.django_db(transaction=True)
def test_two_outbox_relays_at_once_send_each_message_once(settings):
    _skip_unless_postgres()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    users = [UserFactory(username=f"relay_{i}", email=f"relay_{i}@example.org") for i in range(40)]
    # written as notifications_send writes them, without its kick (a relay job of its own)
    OutboxMessage.objects.bulk_create([
        OutboxMessage(key=f"two-relays:u{u.pk}", recipient=u, to_address=u.email, subject="两次发送", body="正文") for u in users
    ])
    results, errors = _at_once(lambda: outbox_relay(batch=5), n=3)
    assert errors == []
    assert sum(results) == 40 == len(mail.outbox)
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 40
    assert len({message.to[0] for message in mail.outbox}) == 40
