"""Scope-matrix cases of standing and incentives (issue 17 §4): the scoring sheets and yearly assessments (pages and
API), and a plan's leadership group (pages and API). Every object is named after its county: a 通海县 official must
never reach a 华宁县 one. The own assessment object is a township organization of 通海县, which 通海县 (its superior)
assesses on its own county sheet; a county federation is assessed by the city (tests/orgs/test_assessments.py)."""
from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from orgs.assessments.models import AssessmentScore, OrganizationAssessment, ScoringItem, ScoringSheet
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization, OrganizationKind
from tasks.plans.models import Plan, PlanLeadershipMember
from tests.factories import RegionFactory
from tests.scope.registry import API, OWN_REGION, WEB, Placed, Probe, RouteCase, Write, register

READ = ("GET", "HEAD", "OPTIONS")
FORM = ("GET", "HEAD", "OPTIONS", "POST")
GRADES = [{"name": "优秀", "min": "90.0"}, {"name": "不合格", "min": "0.0"}]


def _short(region) -> str:
    return region.name[:2]


def _year() -> int:
    return timezone.localdate().year


def _sheet(region, year: int, name: str) -> ScoringSheet:
    sheet = ScoringSheet.objects.create(region=region, year=year, name=name, grades=GRADES)
    ScoringItem.objects.bulk_create([ScoringItem(sheet=sheet, title="组织建设", max_points=50, order=1),
                                     ScoringItem(sheet=sheet, title="工作成效", max_points=50, order=2)])
    return sheet


@dataclass
class Assessed:
    organization: Organization
    sheet: ScoringSheet
    assessment: OrganizationAssessment

    @property
    def pk(self) -> int:
        return self.organization.pk


def _assessed(region) -> Assessed:
    """A founded township organization of the county, the county's sheet of this year, and its assessment."""
    name = f"{_short(region)}矩阵考核"
    township = RegionFactory(parent=region, name=f"{name}镇")
    organization = Organization.objects.create(name=f"{name}镇侨联", kind=OrganizationKind.TOWNSHIP, region=township,
                                               status=OrganizationStatus.ACTIVE)
    sheet = _sheet(township.parent, _year(), f"{name}年度评分表")
    assessment = OrganizationAssessment.objects.create(organization=organization, year=_year(), sheet=sheet, total=50,
                                                       grade="不合格", assessed_on=timezone.localdate())
    AssessmentScore.objects.bulk_create([AssessmentScore(assessment=assessment, item=i, points=25) for i in sheet.items.all()])
    return Assessed(organization, sheet, assessment)


def _assessment_rows():
    return [list(ScoringSheet.objects.order_by("pk").values_list("pk", "region_id", "year", "name", "grades")),
            list(ScoringItem.objects.order_by("pk").values_list()),
            list(OrganizationAssessment.objects.order_by("pk").values_list("pk", "organization_id", "year", "total", "grade", "note")),
            list(AssessmentScore.objects.order_by("pk").values_list())]


SHEET = Placed("assessment-sheet", make=lambda region: _sheet(region, _year() - 1, f"{_short(region)}矩阵评分表"),
               markers=lambda s: (s.name,), rows=_assessment_rows)
ASSESSED = Placed("assessment", make=_assessed, markers=lambda a: (a.organization.name,), rows=_assessment_rows)


def _leader(region) -> PlanLeadershipMember:
    plan = Plan.objects.create(key=f"matrix-leadership-{region.code}", title=f"{_short(region)}矩阵领导方案", scope_region=region)
    return PlanLeadershipMember.objects.create(plan=plan, role="leader", name=f"{_short(region)}矩阵组长", post="县委统战部部长", order=1)


LEADER = Placed("plan-leadership", make=_leader, markers=lambda m: (m.name,),
                rows=lambda: list(PlanLeadershipMember.objects.order_by("pk").values_list())
                + list(Plan.objects.order_by("pk").values_list("pk", "leadership_group", "leadership_office")))


def sheet_form(world, obj, region):
    return {"region": region.code, "year": _year() - 3, "name": "矩阵新建评分表", "items": "组织建设|60\n工作成效|40",
            "grades": "优秀|90\n合格|60\n不合格|0"}


def sheet_edit_form(world, obj, region):
    return {"name": "矩阵改名评分表", "items": "组织建设|70\n工作成效|30", "grades": "优秀|90\n不合格|0"}


def assess_form(world, obj, region):
    items = list(obj.sheet.items.order_by("order"))
    return {"year": _year(), "assessed_on": timezone.localdate().isoformat(), "note": "矩阵复核",
            f"item_{items[0].pk}": "48", f"item_{items[1].pk}": "45"}


def _placed_in(world, placed, region):
    return world.own(placed) if region.code == OWN_REGION else world.foreign(placed)


def assess_api(world, obj, region):
    target = _placed_in(world, ASSESSED, region)
    items = list(target.sheet.items.order_by("order"))
    return {"organization": target.organization.pk, "year": _year(), "scores": {str(items[0].pk): "40", str(items[1].pk): "41"}}


def leader_api(world, obj, region):
    return {"plan": _placed_in(world, LEADER, region).plan_id, "role": "member", "name": "矩阵接口成员", "post": "市侨联"}


by_pk = lambda obj: {"pk": obj.pk}  # noqa: E731
by_plan = lambda m: {"pk": m.plan_id}  # noqa: E731

register(
    RouteCase("assessments:list", WEB, ASSESSED, methods=("GET", "HEAD"),
              reads=(Probe(), Probe(data=lambda world, obj: {"year": _year(), "grade": "不合格"}, name="filtered"))),
    RouteCase("assessments:sheet-list", WEB, SHEET, methods=("GET", "HEAD")),
    RouteCase("assessments:sheet-create", WEB, SHEET, methods=FORM, reads=(Probe(shows_own=False),), leader_reads=False,
              writes=(Write("POST", sheet_form, action="create", moves=True),)),
    RouteCase("assessments:sheet-detail", WEB, SHEET, kwargs=by_pk, methods=("GET", "HEAD")),
    RouteCase("assessments:sheet-edit", WEB, SHEET, kwargs=by_pk, methods=FORM, leader_reads=False,
              writes=(Write("POST", sheet_edit_form),)),
    RouteCase("assessments:sheet-copy", WEB, SHEET, kwargs=by_pk, methods=("POST",), reads=(),
              writes=(Write("POST", lambda world, obj, region: {"year": _year() - 5, "name": "矩阵复制评分表"}),)),
    RouteCase("assessments:organization", WEB, ASSESSED, kwargs=by_pk, methods=FORM,
              writes=(Write("POST", assess_form),)),
    RouteCase("api:scoring-sheet-list", API, SHEET, methods=READ),
    RouteCase("api:scoring-sheet-detail", API, SHEET, kwargs=by_pk, methods=READ),
    RouteCase("api:assessment-list", API, ASSESSED, methods=READ,
              writes=(Write("POST", assess_api, action="create", moves=True, json=True),)),
    RouteCase("api:assessment-detail", API, ASSESSED, kwargs=lambda a: {"pk": a.assessment.pk}, methods=READ),
    RouteCase("tasks:plan-leadership", WEB, LEADER, kwargs=by_plan, methods=FORM, leader_reads=False,
              writes=(Write("POST", lambda world, obj, region: {"action": "member", "role": "member", "name": "网页新成员",
                                                                "post": "县侨联", "order": ""}, name="member"),
                      Write("POST", lambda world, obj, region: {"action": "office", "leadership_group": "矩阵领导小组",
                                                                "leadership_office": "县侨联"}, name="office"))),
    RouteCase("tasks:leadership-member-edit", WEB, LEADER, kwargs=by_pk, methods=FORM, leader_reads=False,
              writes=(Write("POST", lambda world, obj, region: {"role": "leader", "name": "矩阵改名组长", "post": "县委书记", "order": "1"}),)),
    RouteCase("tasks:leadership-member-remove", WEB, LEADER, kwargs=by_pk, methods=("POST",), reads=(),
              writes=(Write("POST", action="delete"),)),
    RouteCase("api:plan-leadership-list", API, LEADER, methods=READ,
              writes=(Write("POST", leader_api, action="create", moves=True, json=True),)),
    RouteCase("api:plan-leadership-detail", API, LEADER, kwargs=by_pk, methods=READ,
              writes=(Write("PATCH", lambda world, obj, region: {"name": "接口改名组长"}, json=True),
                      Write("PUT", lambda world, obj, region: {"name": "接口改名组长", "post": "县委"}, json=True),
                      Write("DELETE", json=True, action="delete"))),
)
