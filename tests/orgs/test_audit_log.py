"""Issue 18 §4: the audit trail is kept at least 180 days and never changed or deleted but by the retention job; the
audit administrator searches it (by date, actor, event, model, object, address), pages it by key and exports it,
the export itself audited; nobody else reads it."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from orgs.audit.retention import AuditImmutableError, audit_maintenance, audit_retention_apply
from orgs.audit.selectors import PAGE_SIZE
from orgs.regions.models import Region

pytestmark = pytest.mark.django_db


def entry(text: str, *, days_ago: int = 0, address: str | None = None, actor=None, event: str = "export") -> LogEntry:
    created = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Region), object_pk="42", object_repr=text,
        action=LogEntry.Action.ACCESS, remote_addr=address, actor=actor, additional_data={"event": event},
    )
    if days_ago:
        LogEntry.objects.filter(pk=created.pk).update(timestamp=timezone.now() - timedelta(days=days_ago))  # setup only
    return created


@pytest.fixture
def old_entries():
    """Entries dated in the past: on PostgreSQL the trigger refuses the setup's UPDATE, so it is made inside the
    maintenance flag the retention job uses."""
    with audit_maintenance():
        return [entry("old 200 days", days_ago=200), entry("old 179 days", days_ago=179)]


def test_an_entry_cannot_be_changed_or_deleted():
    created = entry("immutable")
    created.object_repr = "changed"
    with pytest.raises(AuditImmutableError), transaction.atomic():
        created.save()
    with pytest.raises(AuditImmutableError), transaction.atomic():
        created.delete()
    with pytest.raises(AuditImmutableError), transaction.atomic():
        LogEntry.objects.filter(pk=created.pk).delete()
    assert LogEntry.objects.get(pk=created.pk).object_repr == "immutable"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_update_and_delete_outside_the_retention_job():
    created = entry("immutable in the database")
    for sql in ("UPDATE auditlog_logentry SET object_repr = 'x' WHERE id = %s", "DELETE FROM auditlog_logentry WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [created.pk])
    assert LogEntry.objects.get(pk=created.pk).object_repr == "immutable in the database"


def test_retention_deletes_only_entries_older_than_the_period(old_entries):
    recent = entry("recent")
    assert audit_retention_apply() >= 1
    assert not LogEntry.objects.filter(pk=old_entries[0].pk).exists()
    assert LogEntry.objects.filter(pk__in=[old_entries[1].pk, recent.pk]).count() == 2
    with override_settings(AUDIT_RETENTION_DAYS=365):
        assert LogEntry.objects.filter(pk=old_entries[1].pk).exists()


def test_a_retention_below_180_days_is_refused_by_the_checks():
    with override_settings(AUDIT_RETENTION_DAYS=90), pytest.raises(SystemCheckError, match=r"orgs\.E180"):
        call_command("check")


def test_the_admin_neither_shows_changes_nor_deletes_entries(admin_client):
    created = entry("admin sees nothing")
    for url in ("/admin/auditlog/logentry/", f"/admin/auditlog/logentry/{created.pk}/change/",
                f"/admin/auditlog/logentry/{created.pk}/delete/"):
        assert admin_client.get(url).status_code == 403, url
    response = admin_client.post("/admin/auditlog/logentry/", {"action": "delete_selected", "_selected_action": [created.pk], "post": "yes"})
    assert response.status_code == 403 and LogEntry.objects.filter(pk=created.pk).exists()


def test_only_the_audit_administrator_reads_the_log(client_for, admin_user, security_admin_user, tonghai_official, yuxi_leader):
    for user in (admin_user, security_admin_user, tonghai_official, yuxi_leader):
        client = client_for(user)
        assert client.get("/audit/").status_code == 403, user
        assert client.get("/audit/export.csv").status_code == 403, user


def test_search_by_address_actor_and_event(client_for, audit_admin_user, yuxi_staff):
    entry("from the office", address="10.9.9.1", actor=yuxi_staff)
    entry("from elsewhere", address="10.9.9.2", event="reveal")
    client = client_for(audit_admin_user)
    by_address = client.get("/audit/", {"remote_addr": "10.9.9.1"}).content.decode()
    assert "from the office" in by_address and "from elsewhere" not in by_address
    by_actor = client.get("/audit/", {"actor": "yuxi_staff", "event": "export"}).content.decode()
    assert "from the office" in by_actor and "from elsewhere" not in by_actor
    by_event = client.get("/audit/", {"event": "reveal", "model": ContentType.objects.get_for_model(Region).pk, "object_pk": "42"}).content.decode()
    assert "from elsewhere" in by_event and "from the office" not in by_event
    assert client.get("/audit/", {"remote_addr": "not-an-address"}).status_code == 200  # a form error, no trace


def test_every_event_and_model_is_named_in_chinese(client_for, audit_admin_user):
    region = Region.objects.get(code="530423")
    for action in (LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.DELETE):
        LogEntry.objects.log_create(region, action=action, changes={}, remote_addr="10.9.9.5")
    page = client_for(audit_admin_user).get("/audit/", {"remote_addr": "10.9.9.5"})
    assert [e.event_label for e in page.context["entries"]] == ["删除", "修改", "创建"]
    model_options = dict(page.context["form"].fields["model"].choices).values()
    assert "登录失败记录（axes.accessattempt）" in model_options
    assert not [label for label in model_options if label.split("（")[0].isascii()]  # none named in English only


def test_pages_go_by_key(client_for, audit_admin_user):
    for i in range(PAGE_SIZE + 5):
        entry(f"paged entry {i:03d}", address="10.9.9.3")
    client = client_for(audit_admin_user)
    first = client.get("/audit/", {"remote_addr": "10.9.9.3"})
    assert first.context["count"] == PAGE_SIZE + 5 and len(first.context["entries"]) == PAGE_SIZE
    second = client.get("/audit/", {"remote_addr": "10.9.9.3", "before": first.context["next_key"]})
    assert [e.object_repr for e in second.context["entries"]] == [f"paged entry {i:03d}" for i in range(4, -1, -1)]
    assert second.context["next_key"] is None


def test_the_export_holds_the_search_and_is_audited(client_for, audit_admin_user):
    entry("=HYPERLINK(\"x\")", address="10.9.9.4")
    response = client_for(audit_admin_user).get("/audit/export.csv", {"remote_addr": "10.9.9.4"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][5] == "'=HYPERLINK(\"x\")" and rows[1][6] == "10.9.9.4"
    export = LogEntry.objects.filter(additional_data__event="export", actor=audit_admin_user).latest("pk")
    assert export.additional_data["count"] == 1 and export.additional_data["filters"] == {"remote_addr": "10.9.9.4"}
