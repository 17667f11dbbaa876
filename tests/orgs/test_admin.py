"""Organization admin: status read-only, parts as inlines, a 'create' step on add, export."""
from __future__ import annotations

import pytest

from orgs.organizations.founding import OrganizationStatus as S
from orgs.organizations.models import (
    FoundingStep,
    LeadershipMember,
    Organization,
    OrganizationKind,
)
from tests.factories import region
from tests.orgs.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
# The change page of an organization with its nine inlines (was 126 with a scope query per inline and check).
QUERIES_OF_THE_CHANGE_PAGE = 30
INLINES = ("steps", "home", "leaders", "cadre_contacts", "wechat_groups", "affiliated_associations",
           "overseas_associations", "alumni_links", "activities")


def management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def base_form(org) -> dict:
    return {"name": org.name, "kind": org.kind, "region": org.region_id, "unit": "", "superior": "", "covered_regions": "",
            "founded_on": "", "budget_amount": "", "responsible_leader": "",
            "daily_affairs_cadre": "", "status": "active", "_save": "1"}


def test_the_change_page_shows_the_parts_and_never_the_status_field(client_for, admin_user):
    org = OrganizationFactory(region=region("530423"), kind=OrganizationKind.BRANCH)
    page = client_for(admin_user).get(f"/admin/orgs/organization/{org.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="status"' not in body
    for prefix in INLINES[1:]:
        assert f'name="{prefix}-TOTAL_FORMS"' in body, prefix


def test_inline_leaders_are_saved_and_the_status_stays(client_for, tonghai_staff, day):
    org = OrganizationFactory(region=region("530423"), kind=OrganizationKind.BRANCH)
    form = base_form(org)
    for prefix in INLINES:
        form.update(management(prefix))
    form.update(management("leaders", total=1))
    form.update({"leaders-0-name": "赵主席", "leaders-0-position": "chair", "leaders-0-employment": "full_time",
                 "leaders-0-is_returned_or_relative": "on", "leaders-0-term_start": day(10).isoformat(), "leaders-0-term_end": ""})
    response = client_for(tonghai_staff).post(f"/admin/orgs/organization/{org.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert LeadershipMember.objects.get(organization=org).name == "赵主席"
    org.refresh_from_db()
    assert org.status == S.PLANNED


def test_a_unit_kind_without_unit_is_refused_in_the_admin(client_for, tonghai_staff):
    before = Organization.objects.count()
    form = {**base_form(OrganizationFactory.build(region=region("530423"), kind=OrganizationKind.ENTERPRISE, name="某企业侨联"))}
    form["region"] = region("530423").pk
    response = client_for(tonghai_staff).post("/admin/orgs/organization/add/", form)
    assert response.status_code == 200 and "企业侨联必须指定所在单位" in response.content.decode()
    assert Organization.objects.count() == before


def test_adding_records_the_plan_step(client_for, tonghai_staff):
    form = base_form(OrganizationFactory.build(region=region("530423"), kind=OrganizationKind.BRANCH, name="后台新分会"))
    form["region"] = region("530423").pk
    response = client_for(tonghai_staff).post("/admin/orgs/organization/add/", form)
    assert response.status_code == 302
    org = Organization.objects.get(name="后台新分会")
    assert org.status == S.PLANNED
    assert FoundingStep.objects.get(organization=org).action == "create"


def test_the_change_page_checks_the_scope_without_a_query_per_inline(client_for, tonghai_staff, django_assert_max_num_queries):
    org = OrganizationFactory(region=region("530423"), kind=OrganizationKind.BRANCH)
    client = client_for(tonghai_staff)
    client.get(f"/admin/orgs/organization/{org.pk}/change/")  # session, permissions and content types warmed
    with django_assert_max_num_queries(QUERIES_OF_THE_CHANGE_PAGE):
        page = client.get(f"/admin/orgs/organization/{org.pk}/change/")
    assert page.status_code == 200 and 'name="leaders-TOTAL_FORMS"' in page.content.decode()
