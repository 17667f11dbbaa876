"""督查考核 (Jiangxi 32: "将“侨胞之家”示范创建等基层侨联建设成效作为地方侨联工作督查考核的重要内容"; Jiangxi 39: "由省级
侨联统筹规划,市级侨联指导推动,县级侨联为建设主体"; Yuxi 四: "属地党组织领导，上级侨联指导"): the federation's own scoring
sheet kept as data, each organization assessed once a year by its superior."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from orgs.access.scoping import forget_scope
from orgs.assessments.models import AssessmentScore, OrganizationAssessment, ScoringSheet
from orgs.assessments.services import (
    assessment_save,
    grade_for,
    grades_validate,
    sheet_create,
    sheet_update,
)
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization, OrganizationKind
from tests.factories import RegionFactory, region

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
ITEMS = [("组织建设", "40"), ("阵地建设", "30"), ("活动开展", "30")]
GRADES = [("优秀", "90"), ("良好", "80"), ("合格", "60"), ("不合格", "0")]


@pytest.fixture
def city_sheet(yuxi_staff):
    return sheet_create(actor=yuxi_staff, region=region("530400"), year=YEAR, name="玉溪市侨联年度督查考核评分表",
                        items=ITEMS, grades=GRADES)


@pytest.fixture
def tonghai_federation():
    return Organization.objects.create(name="通海县侨联", kind=OrganizationKind.COUNTY, region=region("530423"),
                                       status=OrganizationStatus.ACTIVE)


def scores_of(sheet: ScoringSheet, *points) -> dict[int, str]:
    return {item.pk: str(p) for item, p in zip(sheet.items.order_by("order"), points, strict=True)}


def test_score_per_item_is_bounded_by_the_items_maximum(city_sheet, tonghai_federation, yuxi_staff):
    """Each item of the sheet is scored "0 … its maximum points" (the federation's own sheet, kept as data):
    41 on a 40-point item and a negative score are refused, naming the item; nothing is written."""
    for points in ((41, 30, 30), (-1, 30, 30)):
        with pytest.raises(ValidationError) as refused:
            assessment_save(actor=yuxi_staff, organization=tonghai_federation, year=YEAR, scores=scores_of(city_sheet, *points))
        first = city_sheet.items.order_by("order").first()
        assert "组织建设" in str(refused.value.message_dict[f"item_{first.pk}"]) and "0 至 40.0" in str(refused.value)
    assert not OrganizationAssessment.objects.exists()
    saved = assessment_save(actor=yuxi_staff, organization=tonghai_federation, year=YEAR, scores=scores_of(city_sheet, 40, 30, 30))
    assert saved.total == Decimal("100.0")


def test_grade_comes_from_the_sheets_thresholds_which_are_data(yuxi_staff, tonghai_federation):
    """"等次标准" are the sheet's data, not code: the same total gets 良好 on a sheet where 良好 starts at 80, and 优秀 on
    a sheet whose federation set 优秀 at 85."""
    grades = grades_validate(GRADES, max_total=Decimal(100))
    assert [grade_for(Decimal(t), grades)[0] for t in ("90", "89.9", "80", "60", "59.9", "0")] == ["优秀", "良好", "良好", "合格", "不合格", "不合格"]
    sheet = sheet_create(actor=yuxi_staff, region=region("530400"), year=YEAR, name="宽松评分表", items=ITEMS,
                         grades=[("优秀", "85"), ("合格", "50"), ("不合格", "0")])
    saved = assessment_save(actor=yuxi_staff, organization=tonghai_federation, year=YEAR, scores=scores_of(sheet, 35, 25, 27))
    assert (saved.total, saved.grade, saved.grade_floor) == (Decimal("87.0"), "优秀", Decimal("85.0"))


def test_thresholds_must_cover_every_total(yuxi_staff):
    """"else 不合格": the lowest grade starts at 0, thresholds strictly decrease; otherwise the sheet is refused."""
    with pytest.raises(ValidationError, match="最低分应为 0"):
        sheet_create(actor=yuxi_staff, region=region("530400"), year=YEAR, name="缺等次", items=ITEMS, grades=[("优秀", "90"), ("合格", "60")])
    with pytest.raises(ValidationError, match="从高到低"):
        sheet_create(actor=yuxi_staff, region=region("530400"), year=YEAR, name="乱序", items=ITEMS,
                     grades=[("合格", "60"), ("优秀", "90"), ("不合格", "0")])
    assert not ScoringSheet.objects.exists()


def test_one_assessment_per_organization_per_year(city_sheet, tonghai_federation, yuxi_staff):
    """"年度督查考核": one assessment per organization and year. Entering again replaces the scores of that year's
    record; the database refuses a second record."""
    assessment_save(actor=yuxi_staff, organization=tonghai_federation, year=YEAR, scores=scores_of(city_sheet, 20, 20, 20))
    again = assessment_save(actor=yuxi_staff, organization=tonghai_federation, year=YEAR, scores=scores_of(city_sheet, 40, 30, 25))
    assert OrganizationAssessment.objects.filter(organization=tonghai_federation, year=YEAR).count() == 1
    assert (again.total, again.grade) == (Decimal("95.0"), "优秀")
    assert AssessmentScore.objects.filter(assessment=again).count() == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizationAssessment.objects.create(organization=tonghai_federation, year=YEAR, sheet=city_sheet, total=1, grade="不合格",
                                              assessed_on=dt.date(YEAR, 1, 1))


def test_a_county_cannot_assess_its_own_county_federation(city_sheet, tonghai_federation, tonghai_official, yuxi_staff):
    """The superior assesses ("上级侨联指导", Yuxi 四; "市级侨联指导推动，县级侨联为建设主体", Jiangxi 39): 通海县's own
    officials cannot assess 通海县侨联; 玉溪市 staff can; the county assesses its townships on its own sheet."""
    township = Organization.objects.create(name="考核镇侨联", kind=OrganizationKind.TOWNSHIP, region=RegionFactory(name="考核镇"),
                                           status=OrganizationStatus.ACTIVE)
    tonghai_federation.refresh_from_db()
    for user in (tonghai_official, yuxi_staff):  # a new region moved the MPTT ranges the scopes were cached with
        forget_scope(user)
    with pytest.raises(ValidationError, match="由上级侨联考核"):
        assessment_save(actor=tonghai_official, organization=tonghai_federation, year=YEAR, scores=scores_of(city_sheet, 30, 30, 30))
    assert not OrganizationAssessment.objects.exists()
    assert assessment_save(actor=yuxi_staff, organization=tonghai_federation, year=YEAR, scores=scores_of(city_sheet, 30, 30, 30)).grade == "优秀"

    county_sheet = sheet_create(actor=tonghai_official, region=region("530423"), year=YEAR, name="通海县评分表",
                                items=[("组织", "50"), ("活动", "50")], grades=GRADES)
    saved = assessment_save(actor=tonghai_official, organization=township, year=YEAR, scores=scores_of(county_sheet, 30, 25))
    assert (saved.sheet, saved.grade) == (county_sheet, "不合格")


def test_a_sheet_in_use_is_locked(city_sheet, tonghai_federation, yuxi_staff):
    """Decision: a sheet on which an organization was assessed keeps its items and grades (copy it to change)."""
    assessment_save(actor=yuxi_staff, organization=tonghai_federation, year=YEAR, scores=scores_of(city_sheet, 30, 30, 30))
    with pytest.raises(ValidationError, match="不能再修改"):
        sheet_update(sheet=city_sheet, actor=yuxi_staff, name=city_sheet.name, items=[*ITEMS, ("新增", "10")], grades=GRADES)
    renamed = sheet_update(sheet=city_sheet, actor=yuxi_staff, name="改名后的评分表", items=ITEMS, grades=GRADES)
    assert renamed.name == "改名后的评分表" and renamed.items.count() == 3


def test_assessment_page_records_for_the_superior_and_refuses_the_county(client_for, city_sheet, tonghai_federation,
                                                                          yuxi_staff, tonghai_official, yuxi_leader):
    """The entry page (linked from the organization page): the city records the score, the county's own official
    sees the result without a form, and leadership writes nothing."""
    url = reverse("assessments:organization", kwargs={"pk": tonghai_federation.pk})
    detail = client_for(yuxi_staff).get(reverse("organizations:detail", kwargs={"pk": tonghai_federation.pk}))
    assert url in detail.content.decode()
    items = list(city_sheet.items.order_by("order"))
    body = {"year": YEAR, "assessed_on": timezone.localdate().isoformat(), "note": "",
            **{f"item_{i.pk}": v for i, v in zip(items, ("38", "28", "26"), strict=True)}}
    assert client_for(yuxi_leader).post(url, body).status_code == 403
    response = client_for(tonghai_official).post(url, body)
    assert response.status_code == 400 and "由上级侨联考核" in response.content.decode()
    assert not OrganizationAssessment.objects.exists()
    response = client_for(yuxi_staff).post(url, body)
    assert response.status_code == 302
    page = client_for(tonghai_official).get(url).content.decode()
    assert "92.0" in page and "优秀" in page and 'data-testid="assessment-form"' not in page
