"""Organization pages: start founding from a gap, walk the procedure by form posts, refusals and scope."""
from __future__ import annotations

import pytest
from django.urls import reverse

from census.coverage.models import Requirement
from census.coverage.services import evaluate_coverage
from orgs.organizations.founding import OrganizationStatus as S
from orgs.organizations.models import FoundingStep, Organization, OrganizationKind
from tests.census.factories import UnitFactory
from tests.factories import region
from tests.orgs.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def create_tonghai(client, day, **extra):
    data = {"name": "通海县侨联", "kind": "county", "region": "530423", "planned_on": day(30).isoformat(), **extra}
    return client.post(reverse("organizations:create"), data)


def step(client, org, action, date, **extra):
    return client.post(reverse("organizations:step", args=[org.pk]), {"action": action, "date": date.isoformat(), **extra})


CANDIDATE_ROWS = [("李华侨", "chair", "part_time", True), ("张干部", "secretary_general", "full_time", False)]


def letter():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.orgs.conftest import PDF_BYTES

    return SimpleUploadedFile("统战部复函.pdf", PDF_BYTES, content_type="application/pdf")


def submit_candidates(client, org, date, rows, blank=2):
    """The candidate list form: one row per candidate, blank rows ignored."""
    data = {"date": date.isoformat(), "candidate-TOTAL_FORMS": str(len(rows) + blank), "candidate-INITIAL_FORMS": "0"}
    for n, (name, position, employment, flag) in enumerate([*rows, *[("", "member", "part_time", False)] * blank]):
        data.update({f"candidate-{n}-name": name, f"candidate-{n}-position": position, f"candidate-{n}-employment": employment})
        if flag:
            data[f"candidate-{n}-is_returned_or_relative"] = "on"
    return client.post(reverse("organizations:step-candidates", args=[org.pk]), data)


def record_congress(client, org, date, present=52, expected=60, positions=None):
    """The congress form: every candidate elected to the intended position unless `positions` says otherwise."""
    from orgs.organizations.services import current_candidates

    data = {"date": date.isoformat(), "delegates_present": present, "delegates_expected": expected}
    for candidate in current_candidates(org):
        data[f"elected_{candidate.pk}"] = (positions or {}).get(candidate.name, candidate.position)
    return client.post(reverse("organizations:step-congress", args=[org.pk]), data)


def test_the_gap_row_links_to_a_prefilled_create_page(policies, tonghai_client):
    evaluate_coverage(region("530423"))
    gaps = tonghai_client.get(reverse("census:coverage-gaps"), {"region": "530423", "level": "county"})
    link = f'{reverse("organizations:create")}?region=530423'
    assert link in gaps.content.decode()
    page = tonghai_client.get(link)
    assert page.status_code == 200
    form = page.context["form"]
    assert (form.initial["region"], form.initial["kind"], form.initial["name"]) == ("530423", "county", "通海县侨联")


def test_leadership_gets_no_start_link_and_no_create_page(policies, leader_client):
    evaluate_coverage(region("530423"))
    gaps = leader_client.get(reverse("census:coverage-gaps"), {"region": "530423", "level": "county"})
    assert 'data-testid="start-founding"' not in gaps.content.decode()
    assert leader_client.get(reverse("organizations:create")).status_code == 403


def test_walk_by_forms(policies, client_for, tonghai_official, yuxi_staff, day, pdf, django_capture_on_commit_callbacks):
    evaluate_coverage(region("530400"))
    tonghai, yuxi = client_for(tonghai_official), client_for(yuxi_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = create_tonghai(tonghai, day)
    org = Organization.objects.get(name="通海县侨联")
    assert response.status_code == 302 and response["Location"] == reverse("organizations:detail", args=[org.pk])
    detail = tonghai.get(response["Location"])
    assert [c[0] for c in detail.context["step_form"].fields["action"].widget.choices] == ["", "start_drafting", "abandon"]
    assert step(tonghai, org, "start_drafting", day(29), document=pdf).status_code == 302
    assert step(tonghai, org, "submit_consultation", day(25)).status_code == 302
    # the county cannot answer its own consultation: refused with the reason, nothing written
    refused = step(tonghai, org, "agree_consultation", day(20))
    assert refused.status_code == 400 and "只能由上级侨联（玉溪市）的工作人员办理" in refused.content.decode()
    assert "step_form" not in tonghai.get(reverse("organizations:detail", args=[org.pk])).context
    assert step(yuxi, org, "agree_consultation", day(20)).status_code == 302
    answers = yuxi.get(reverse("organizations:detail", args=[org.pk])).content.decode()
    assert 'data-body="united_front" data-state="waiting"' in answers and 'data-body="federation" data-state="agreed"' in answers
    assert step(yuxi, org, "agree_united_front", day(20), document=letter()).status_code == 302
    assert step(tonghai, org, "record_approval", day(15)).status_code == 302
    assert submit_candidates(tonghai, org, day(14), CANDIDATE_ROWS).status_code == 302
    assert step(yuxi, org, "agree_candidates", day(12)).status_code == 302
    assert record_congress(tonghai, org, day(10)).status_code == 302
    assert step(tonghai, org, "submit_filing", day(8)).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert step(yuxi, org, "confirm_filing", day(5)).status_code == 302
    org.refresh_from_db()
    assert org.status == S.ACTIVE
    assert Requirement.objects.get(region=region("530423"), unit__isnull=True).status == "satisfied"
    page = tonghai.get(reverse("organizations:detail", args=[org.pk])).content.decode()
    assert page.count('data-testid="step"') == 11
    document = FoundingStep.objects.get(organization=org, action="start_drafting")
    download = tonghai.get(reverse("organizations:step-document", args=[document.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_future_date_is_refused_with_a_message(tonghai_client, tonghai_official, day):
    create_tonghai(tonghai_client, day)
    org = Organization.objects.get(name="通海县侨联")
    response = step(tonghai_client, org, "start_drafting", day(-2))
    assert response.status_code == 400
    assert "不能是将来的日期" in response.content.decode()
    org.refresh_from_db()
    assert org.status == S.PLANNED and org.steps.count() == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"kind": "enterprise", "name": "某企业侨联"}, "企业侨联必须指定所在单位"),
        ({"planned_on": "2999-01-01"}, "不能是将来的日期"),
        ({"region": "530424"}, "不在您可以修改的辖区内"),
        ({"region": "999999"}, "不存在"),
        ({"kind": "township"}, "所在区划应为乡镇级"),
        ({"kind": "joint", "name": "联合侨联"}, "至少一个联合覆盖的区划"),
    ],
)
def test_bad_create_values_are_refused(tonghai_client, day, extra, message):
    before = Organization.objects.count()
    response = create_tonghai(tonghai_client, day, **extra)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Organization.objects.count() == before


def test_a_second_county_federation_is_refused(tonghai_client, day):
    create_tonghai(tonghai_client, day)
    response = create_tonghai(tonghai_client, day)
    assert "通海县已有县级侨联“通海县侨联”（计划成立），不能重复成立" in response.content.decode()


def test_edit_keeps_the_responsible_people_and_their_returned_marks(tonghai_client):
    """Yuxi 三(三): "乡镇(街道)的干部职工和村(社区)“两委”班子成员中有归侨侨眷身份的优先 … 考虑" — the mark is kept with the name."""
    org = OrganizationFactory(region=region("530423"), kind=OrganizationKind.BRANCH)
    url = reverse("organizations:edit", args=[org.pk])
    form = {"name": org.name, "responsible_leader": "王副书记", "responsible_leader_is_returned": "on", "daily_affairs_cadre": "李干事"}
    assert tonghai_client.post(url, form).status_code == 302
    org.refresh_from_db()
    assert (org.responsible_leader, org.responsible_leader_is_returned) == ("王副书记", True)
    assert (org.daily_affairs_cadre, org.daily_affairs_cadre_is_returned, org.status) == ("李干事", False, S.PLANNED)


def test_the_edit_form_never_changes_the_status(tonghai_client):
    org = OrganizationFactory(region=region("530423"), kind=OrganizationKind.BRANCH)
    tonghai_client.post(reverse("organizations:edit", args=[org.pk]), {"name": "改名", "status": "active"})
    org.refresh_from_db()
    assert (org.name, org.status) == ("改名", S.PLANNED)


def test_unit_prefill_from_a_unit_gap(tonghai_client):
    unit = UnitFactory(name="通海测试企业")
    page = tonghai_client.get(reverse("organizations:create"), {"unit": unit.pk})
    assert page.context["form"].initial["unit"] == unit.pk


def test_foreign_organizations_are_404(tonghai_client, huaning_official, day):
    org = OrganizationFactory(region=region("530424"), kind=OrganizationKind.BRANCH)
    for name in ("organizations:detail", "organizations:edit"):
        assert tonghai_client.get(reverse(name, args=[org.pk])).status_code == 404
    assert step(tonghai_client, org, "start_drafting", day(1)).status_code == 404


def test_list_filters_and_query_count(tonghai_client, yuxi_staff, client_for, django_assert_max_num_queries):
    for n in range(12):
        OrganizationFactory(region=region("530423"), kind=OrganizationKind.GROUP, name=f"通海小组{n}")
    OrganizationFactory(region=region("530424"), kind=OrganizationKind.GROUP, name="华宁小组")
    with django_assert_max_num_queries(12):
        response = tonghai_client.get(reverse("organizations:list"), {"kind": "group", "status": "planned"})
    body = response.content.decode()
    assert "通海小组11" in body and "华宁小组" not in body
    yuxi = client_for(yuxi_staff)
    body = yuxi.get(reverse("organizations:list"), {"region": "530424"}).content.decode()
    assert "华宁小组" in body and "通海小组1" not in body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("founded_on", "2999-01-01", "成立日期 2999-01-01 晚于今天"),
        ("budget_amount", "12.5", "未列入财政预算时不应填写预算金额"),
    ],
)
def test_edit_refuses_bad_values_and_changes_nothing(tonghai_client, field, value, message):
    org = OrganizationFactory(region=region("530423"), kind=OrganizationKind.BRANCH, name="原名分会")
    response = tonghai_client.post(reverse("organizations:edit", args=[org.pk]), {"name": "新名", field: value})
    assert response.status_code == 200 and message in response.content.decode()
    org.refresh_from_db()
    assert org.name == "原名分会"


def test_a_superior_beside_the_organization_is_refused(tonghai_client, yuxi_staff, client_for):
    huaning = OrganizationFactory(region=region("530424"), kind=OrganizationKind.COUNTY, name="华宁县侨联", status="active")
    org = OrganizationFactory(region=region("530423"), kind=OrganizationKind.BRANCH)
    response = client_for(yuxi_staff).post(reverse("organizations:edit", args=[org.pk]), {"name": org.name, "superior": huaning.pk})
    assert "不在本组织所在区划之上" in response.content.decode()
    org.refresh_from_db()
    assert org.superior_id is None


def test_a_unit_gap_prefills_the_kind_the_unit_founds(tonghai_client):
    unit = UnitFactory(name="通海县某局", kind="organ")
    assert tonghai_client.get(reverse("organizations:create"), {"unit": unit.pk}).context["form"].initial["kind"] == "organ"


def test_the_region_page_lists_its_organizations(tonghai_client, client_for, huaning_official):
    OrganizationFactory(region=region("530423"), kind=OrganizationKind.BRANCH, name="通海面板分会")
    page = tonghai_client.get(reverse("orgs:region-detail", args=["530423"])).content.decode()
    assert 'data-testid="organizations-panel"' in page and "通海面板分会" in page
    other = client_for(huaning_official).get(reverse("orgs:region-detail", args=["530424"])).content.decode()
    assert "通海面板分会" not in other


def test_a_county_official_keeps_the_city_federation_as_superior_and_never_sees_a_neighbour(tonghai_client):
    city = OrganizationFactory(region=region("530400"), kind=OrganizationKind.BRANCH, name="玉溪市侨联", status="active")
    huaning = OrganizationFactory(region=region("530424"), kind=OrganizationKind.COUNTY, name="华宁县侨联", status="active")
    org = OrganizationFactory(region=region("530423"), kind=OrganizationKind.COUNTY, name="通海县侨联", superior=city)
    choices = tonghai_client.get(reverse("organizations:create")).context["form"].fields["superior"].queryset
    assert city in choices and huaning not in choices
    response = tonghai_client.post(reverse("organizations:edit", args=[org.pk]), {"name": "通海县归国华侨联合会", "superior": city.pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    org.refresh_from_db()
    assert (org.name, org.superior_id) == ("通海县归国华侨联合会", city.pk)


def _approved_tonghai(tonghai, yuxi, org, day):
    for client, action, ago, extra in ((tonghai, "start_drafting", 29, {}), (tonghai, "submit_consultation", 25, {}),
                                       (yuxi, "agree_united_front", 21, {"document": letter()}),
                                       (yuxi, "agree_consultation", 20, {}), (tonghai, "record_approval", 15, {})):
        assert step(client, org, action, day(ago), **extra).status_code == 302, action


def test_the_candidate_and_congress_forms_write_records(client_for, tonghai_official, yuxi_staff, day):
    """Yuxi 三(一) "领导机构候选人名单由同级党组织研究并征求上一级侨联意见后确定 … 选举产生侨联领导机构", through the page:
    the list is offered only to the county once approved, a bad list is shown again with its reason and nothing is
    written, the congress form lists the agreed candidates and its elected appear in the leading body."""
    from orgs.organizations.election import Candidate
    from orgs.organizations.models import LeadershipMember

    tonghai, yuxi = client_for(tonghai_official), client_for(yuxi_staff)
    create_tonghai(tonghai, day)
    org = Organization.objects.get(name="通海县侨联")
    _approved_tonghai(tonghai, yuxi, org, day)
    page = tonghai.get(reverse("organizations:detail", args=[org.pk]))
    assert "candidates_form" in page.context and "step_form" not in page.context
    bad = submit_candidates(tonghai, org, day(14), [("王侨眷", "vice_chair", "part_time", True)])
    assert bad.status_code == 400 and "候选人名单中没有主席候选人" in bad.content.decode() and Candidate.objects.count() == 0
    assert submit_candidates(tonghai, org, day(14), [*CANDIDATE_ROWS, ("落选者", "member", "part_time", False)]).status_code == 302
    assert step(yuxi, org, "agree_candidates", day(12)).status_code == 302
    form = tonghai.get(reverse("organizations:detail", args=[org.pk])).context["congress_form"]
    assert [c.name for c in form.candidates] == ["李华侨", "张干部", "落选者"]
    response = record_congress(tonghai, org, day(10), positions={"落选者": ""})
    assert response.status_code == 302
    assert sorted(LeadershipMember.objects.filter(organization=org).values_list("name", "position")) == [
        ("张干部", "secretary_general"), ("李华侨", "chair")]
    page = tonghai.get(reverse("organizations:detail", args=[org.pk])).content.decode()
    assert 'data-testid="congress"' in page and "实到代表 52 人" in page


def test_the_page_names_the_superior_that_answers(client_for, tonghai_official, day):
    """Yuxi 二(一) "向市委统战部、市侨联征求意见": 通海县侨联's page names 玉溪市侨联 as its superior (not a 通海县侨联 above
    itself) and, while waiting, both bodies that answer."""
    tonghai = client_for(tonghai_official)
    create_tonghai(tonghai, day)
    org = Organization.objects.get(name="通海县侨联")
    step(tonghai, org, "start_drafting", day(29))
    step(tonghai, org, "submit_consultation", day(25))
    page = tonghai.get(reverse("organizations:detail", args=[org.pk])).content.decode()
    superior = page.split('data-testid="superior">', 1)[1].split("</dd>", 1)[0]
    assert superior == "玉溪市侨联"
    wait = page.split('data-testid="step-wait">', 1)[1].split("</p>", 1)[0]
    assert "玉溪市委统战部和玉溪市侨联答复" in wait and "通海县侨联" not in wait
