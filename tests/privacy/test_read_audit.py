"""Issue 18 §4: every read of a person's full record, every export and every reveal is written to the audit trail
with the client's address."""
from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client

from census.importing.models import UnitImport
from census.registry.models import Person
from orgs.common.audit import AuditEvent
from orgs.regions.models import Region
from tasks.reports.models import ReportJob, ReportStatus
from tests.census.conftest import CENSUS_ADMIN_PERMISSIONS
from tests.census.factories import register_person
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "10.18.4.6"


def events(model, event: str, **filters):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), action=LogEntry.Action.ACCESS,
        additional_data__event=event, **filters,
    )


def client_at(user) -> Client:
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(user)
    return client


def test_the_person_page_read_is_audited_with_the_address(tonghai_official):
    person = register_person(tonghai_official, seed=1861)
    assert client_at(tonghai_official).get(f"/census/persons/{person.pk}/").status_code == 200
    entry = events(Person, AuditEvent.VIEW, object_pk=str(person.pk)).get()
    assert (entry.actor, entry.remote_addr) == (tonghai_official, ADDRESS)


def test_the_person_api_read_is_audited_and_the_list_writes_one_entry_at_most(tonghai_official):
    person = register_person(tonghai_official, seed=1862)
    client = client_at(tonghai_official)
    assert client.get(f"/api/persons/{person.pk}/").status_code == 200
    entry = events(Person, AuditEvent.VIEW, object_pk=str(person.pk)).get()
    assert (entry.actor, entry.remote_addr) == (tonghai_official, ADDRESS)
    register_person(tonghai_official, seed=1863)
    before = LogEntry.objects.count()
    assert client.get("/api/persons/").status_code == 200
    assert LogEntry.objects.count() - before <= 1


def test_the_admin_person_page_read_is_audited(tonghai_official):
    staff = UserFactory(username="privacy_staff", is_staff=True, permissions=CENSUS_ADMIN_PERMISSIONS)
    MembershipFactory(user=staff, role="county_official", region=Region.objects.get(code="530423"))
    person = register_person(tonghai_official, seed=1864)
    response = client_at(staff).get(f"/admin/census/person/{person.pk}/change/")
    assert response.status_code == 200
    entry = events(Person, AuditEvent.VIEW, object_pk=str(person.pk)).get()
    assert (entry.actor, entry.remote_addr) == (staff, ADDRESS)


def test_the_reveal_is_audited_with_the_address(tonghai_official):
    tonghai_official.user_permissions.add(Permission.objects.get(codename="reveal_id_number"))
    person = register_person(tonghai_official, seed=1865)
    assert client_at(tonghai_official).post(f"/api/persons/{person.pk}/reveal/").status_code == 200
    entry = events(Person, AuditEvent.REVEAL, object_pk=str(person.pk)).get()
    assert entry.remote_addr == ADDRESS


def test_the_registry_export_is_audited_with_the_address(tonghai_official):
    register_person(tonghai_official, seed=1866)
    assert client_at(tonghai_official).get("/census/persons/export.csv").status_code == 200
    entry = events(Person, AuditEvent.EXPORT).get()
    assert (entry.actor, entry.remote_addr, entry.additional_data["count"]) == (tonghai_official, ADDRESS, 1)


def done_report(user) -> ReportJob:
    job = ReportJob.objects.create(
        region=Region.objects.get(code="530400"), format="pdf", as_of="2026-06-30", requested_by=user, status=ReportStatus.DONE
    )
    job.file.save(f"report-{job.pk}.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    return job


@pytest.mark.parametrize("url", ["/reports/{pk}/download/", "/api/reports/{pk}/download/"])
def test_report_downloads_are_audited_with_the_address(yuxi_leader, url):
    job = done_report(yuxi_leader)
    response = client_at(yuxi_leader).get(url.format(pk=job.pk))
    assert response.status_code == 200
    entry = events(ReportJob, AuditEvent.EXPORT).get()
    assert (entry.actor, entry.remote_addr, entry.additional_data["format"]) == (yuxi_leader, ADDRESS, "pdf")


def test_the_unit_import_error_report_download_is_audited(tonghai_official):
    record = UnitImport.objects.create(
        original_name="单位.csv", user=tonghai_official, region=Region.objects.get(code="530423"),
    )
    record.error_report.save("errors.xlsx", ContentFile(b"PK"), save=True)
    response = client_at(tonghai_official).get(f"/census/units/import/{record.pk}/errors.xlsx")
    assert response.status_code == 200
    entry = events(UnitImport, AuditEvent.EXPORT).get()
    assert entry.remote_addr == ADDRESS
