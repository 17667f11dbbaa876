"""Writes of 督查考核 (Jiangxi 32, 39; Yuxi 四): scoring sheets kept as data, and each organization's yearly
assessment on the sheet that applies to it.

Who assesses: the superior ("市级侨联指导推动，县级侨联为建设主体", Jiangxi 39; "上级侨联指导", Yuxi 四). An assessor
must be able to change the region ABOVE the organization's region: 玉溪市 staff assess the county federations of
玉溪市, a county's officials the township, village and unit organizations of their county, and never their own
county federation. The sheet an organization is scored on is the one of the nearest region strictly above its own
(the assessor's level) for the year.

Locked, not versioned: once an organization was assessed on a sheet, its items and grades no longer change (the
scores already given would lose their meaning); a changed sheet is a new sheet (`sheet_copy` for another year).
Every write is one transaction; refusals are `ValidationError`s naming the field and the value in Chinese."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.access.scoping import user_scope
from orgs.assessments.models import AssessmentScore, OrganizationAssessment, ScoringItem, ScoringSheet
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization
from orgs.regions.models import Region

FIRST_YEAR = 2000
MAX_ITEMS = 100


def _refuse(message: str, field: str | None = None) -> NoReturn:
    raise ValidationError({field: message} if field else message)


def _decimal(value, field: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        _refuse(_("%(label)s“%(value)s”不是数字") % {"label": label, "value": value}, field)
    if not number.is_finite():
        _refuse(_("%(label)s“%(value)s”不是数字") % {"label": label, "value": value}, field)
    return number.quantize(Decimal("0.1"))


# ---- the sheet's grades: data, read by one pure function ------------------------------------------------------


def grades_validate(grades: Iterable[tuple[str, object]], *, max_total: Decimal) -> list[dict]:
    """The grade thresholds as stored: names unique and not blank, minimums strictly decreasing from at most the
    sheet's maximum down to 0 (so every total has a grade: "else 不合格" is the grade whose minimum is 0)."""
    rows: list[dict] = []
    for name, minimum in grades:
        name = (name or "").strip()
        if not name:
            _refuse(_("等次名称不能为空"), "grades")
        if any(r["name"] == name for r in rows):
            _refuse(_("等次“%(name)s”重复") % {"name": name}, "grades")
        floor = _decimal(minimum, "grades", _("等次“%(name)s”的最低分") % {"name": name})
        if floor < 0:
            _refuse(_("等次“%(name)s”的最低分 %(min)s 不能为负数") % {"name": name, "min": floor}, "grades")
        if floor > max_total:
            _refuse(_("等次“%(name)s”的最低分 %(min)s 高于评分表满分 %(max)s") % {"name": name, "min": floor, "max": max_total}, "grades")
        if rows and floor >= Decimal(rows[-1]["min"]):
            _refuse(_("等次应按最低分从高到低排列：“%(name)s”的 %(min)s 不低于“%(prev)s”的 %(prev_min)s")
                    % {"name": name, "min": floor, "prev": rows[-1]["name"], "prev_min": rows[-1]["min"]}, "grades")
        rows.append({"name": name, "min": str(floor)})
    if not rows:
        _refuse(_("请至少填写一个等次"), "grades")
    if Decimal(rows[-1]["min"]) != 0:
        _refuse(_("最低的等次“%(name)s”的最低分应为 0（其余总分都归入此等次），现为 %(min)s")
                % {"name": rows[-1]["name"], "min": rows[-1]["min"]}, "grades")
    return rows


def grade_for(total: Decimal, grades: list[dict]) -> tuple[str, Decimal]:
    """The grade a total earns on a sheet's thresholds (data, highest first): the first whose minimum the total
    reaches ("优秀 ≥ 90"), and that minimum."""
    for grade in grades:
        floor = Decimal(grade["min"])
        if total >= floor:
            return grade["name"], floor
    last = grades[-1]
    return last["name"], Decimal(last["min"])


def items_validate(items: Iterable[tuple[str, object]]) -> list[tuple[str, Decimal]]:
    rows: list[tuple[str, Decimal]] = []
    for title, points in items:
        title = (title or "").strip()
        if not title:
            _refuse(_("考核项目名称不能为空"), "items")
        if len(title) > 200:
            _refuse(_("考核项目“%(title)s…”超过 200 字") % {"title": title[:20]}, "items")
        if any(t == title for t, _p in rows):
            _refuse(_("考核项目“%(title)s”重复") % {"title": title}, "items")
        value = _decimal(points, "items", _("考核项目“%(title)s”的分值") % {"title": title})
        if value <= 0 or value >= Decimal("100000"):
            _refuse(_("考核项目“%(title)s”的分值应大于 0：%(value)s") % {"title": title, "value": value}, "items")
        rows.append((title, value))
    if not rows:
        _refuse(_("请至少填写一个考核项目"), "items")
    if len(rows) > MAX_ITEMS:
        _refuse(_("考核项目最多 %(n)d 项") % {"n": MAX_ITEMS}, "items")
    return rows


# ---- sheets -------------------------------------------------------------------------------------------------------


def sheet_editor_check(actor, region: Region) -> None:
    scope = user_scope(actor)
    if not scope.can_write or not scope.edits_region(region):
        _refuse(_("“%(region)s”不在您可制定考核评分表的范围内") % {"region": region.full_name or region.name}, "region")


def _year_check(year, field: str = "year") -> int:
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not FIRST_YEAR <= year <= this_year + 1:
        _refuse(_("考核年度 %(value)s 应在 %(first)d 至 %(last)d 之间") % {"value": year, "first": FIRST_YEAR, "last": this_year + 1}, field)
    return year


def _sheet_unique(region: Region, year: int) -> None:
    same = ScoringSheet.objects.filter(region=region, year=year)
    if same.exists():
        _refuse(_("%(region)s已有 %(year)d 年度的考核评分表") % {"region": region.name, "year": year}, "year")


def _write_items(sheet: ScoringSheet, items: list[tuple[str, Decimal]]) -> None:
    ScoringItem.objects.bulk_create(
        [ScoringItem(sheet=sheet, title=title, max_points=points, order=i) for i, (title, points) in enumerate(items, start=1)]
    )


@transaction.atomic
def sheet_create(*, actor, region: Region, year: int, name: str, items: Iterable[tuple[str, object]],
                 grades: Iterable[tuple[str, object]]) -> ScoringSheet:
    """A federation's scoring sheet for a year: items with their maximum points, grade thresholds as data."""
    sheet_editor_check(actor, region)
    _year_check(year)
    name = (name or "").strip()
    if not name:
        _refuse(_("请填写评分表名称"), "name")
    _sheet_unique(region, year)
    rows = items_validate(items)
    grade_rows = grades_validate(grades, max_total=sum((p for _t, p in rows), Decimal(0)))
    sheet = ScoringSheet.objects.create(region=region, year=year, name=name[:128], grades=grade_rows, created_by=actor)
    _write_items(sheet, rows)
    return sheet


def sheet_locked(sheet: ScoringSheet) -> bool:
    """A sheet on which an organization was assessed: its items and grades stay as they were scored."""
    return sheet.assessments.exists()


@transaction.atomic
def sheet_update(*, sheet: ScoringSheet, actor, name: str, items: Iterable[tuple[str, object]],
                 grades: Iterable[tuple[str, object]]) -> ScoringSheet:
    """Changes a sheet's name, items and grades; refused once it is in use (locked: copy it instead)."""
    sheet = ScoringSheet.objects.select_for_update().get(pk=sheet.pk)
    sheet_editor_check(actor, sheet.region)
    name = (name or "").strip()
    if not name:
        _refuse(_("请填写评分表名称"), "name")
    rows = items_validate(items)
    grade_rows = grades_validate(grades, max_total=sum((p for _t, p in rows), Decimal(0)))
    current = [(i.title, i.max_points) for i in sheet.items.order_by("order", "pk")]
    if (rows != current or grade_rows != sheet.grades) and sheet_locked(sheet):
        _refuse(_("“%(name)s”已用于 %(n)d 个组织的考核，考核项目和等次不能再修改；请复制为新的评分表")
                % {"name": sheet.name, "n": sheet.assessments.count()}, "items")
    sheet.name = name[:128]
    sheet.grades = grade_rows
    sheet.save(update_fields=["name", "grades", "updated_at"])
    if rows != current:
        sheet.items.all().delete()
        _write_items(sheet, rows)
    return sheet


@transaction.atomic
def sheet_copy(*, sheet: ScoringSheet, actor, year: int, region: Region | None = None, name: str = "") -> ScoringSheet:
    """A new sheet with the items and grades of `sheet` (another year, or the same year for a region below)."""
    items = [(i.title, i.max_points) for i in sheet.items.order_by("order", "pk")]
    grades = [(g["name"], g["min"]) for g in sheet.grades]
    return sheet_create(actor=actor, region=region or sheet.region, year=year, name=name or sheet.name, items=items, grades=grades)


# ---- assessments -----------------------------------------------------------------------------------------------


def applicable_sheet(organization: Organization, year: int) -> ScoringSheet | None:
    """The sheet an organization is scored on in `year`: the one of the nearest region strictly above its own
    (a county federation: the city's; a township federation: its county's, else the city's)."""
    return (
        ScoringSheet.objects.covering(organization.region, strict=True).filter(year=year)
        .order_by("-region__depth", "pk").prefetch_related("items").first()
    )


def can_assess(actor, organization: Organization) -> bool:
    """Whether `actor` is the superior who assesses `organization`: a writer of the region above its region."""
    scope = user_scope(actor)
    if not scope.can_write:
        return False
    if scope.is_admin:
        return True
    parent = organization.region.parent
    return parent is not None and scope.edits_region(parent)


def assessor_check(actor, organization: Organization) -> None:
    """Refuses an assessor who is not the organization's superior (its own county's officials included)."""
    if not can_assess(actor, organization):
        _refuse(_("“%(name)s”由上级侨联考核：您不能考核本级或辖区外（%(region)s）的组织")
                % {"name": organization.name, "region": organization.region.name})


@transaction.atomic
def assessment_save(*, actor, organization: Organization, year: int, scores: Mapping[int, object],
                    assessed_on: dt.date | None = None, note: str = "") -> OrganizationAssessment:
    """Records (or, entered again, replaces) an organization's assessment for `year`: one per organization and
    year. Each item of the applicable sheet gets 0 … its maximum points; the total and the grade (from the sheet's
    thresholds) are computed here, never entered."""
    assessor_check(actor, organization)
    _year_check(year)
    if year > timezone.localdate().year:
        _refuse(_("考核年度 %(year)d 尚未开始") % {"year": year}, "year")
    if organization.status != OrganizationStatus.ACTIVE:
        _refuse(_("“%(name)s”尚未成立或已撤销（%(status)s），不参加年度考核")
                % {"name": organization.name, "status": organization.get_status_display()})
    assessed_on = assessed_on or timezone.localdate()
    if assessed_on > timezone.localdate():
        _refuse(_("考核日期 %(value)s 晚于今天，不能是将来的日期") % {"value": assessed_on.isoformat()}, "assessed_on")
    sheet = applicable_sheet(organization, year)
    if sheet is None:
        _refuse(_("%(year)d 年度没有适用于“%(name)s”的考核评分表：请上级侨联先制定评分表") % {"year": year, "name": organization.name}, "year")
    items = list(sheet.items.all())
    known = {item.pk for item in items}
    unknown = sorted(str(k) for k in scores if k not in known)
    if unknown:
        _refuse(_("考核项目 %(ids)s 不属于评分表“%(sheet)s”") % {"ids": "、".join(unknown), "sheet": sheet.name})
    points: dict[int, Decimal] = {}
    for item in items:
        field = f"item_{item.pk}"
        value = scores.get(item.pk)
        if value is None or str(value).strip() == "":
            _refuse(_("请填写“%(title)s”的得分") % {"title": item.title}, field)
        number = _decimal(value, field, _("“%(title)s”的得分") % {"title": item.title})
        if not Decimal(0) <= number <= item.max_points:
            _refuse(_("“%(title)s”的得分 %(value)s 超出范围：应在 0 至 %(max)s 之间")
                    % {"title": item.title, "value": number, "max": item.max_points}, field)
        points[item.pk] = number
    total = sum(points.values(), Decimal(0))
    grade, floor = grade_for(total, sheet.grades)
    assessment = OrganizationAssessment.objects.select_for_update().filter(organization=organization, year=year).first()
    if assessment is None:
        assessment = OrganizationAssessment(organization=organization, year=year)
    assessment.sheet, assessment.total, assessment.grade, assessment.grade_floor = sheet, total, grade, floor
    assessment.assessed_by, assessment.assessed_on, assessment.note = actor, assessed_on, (note or "").strip()
    assessment.save()
    assessment.scores.all().delete()
    AssessmentScore.objects.bulk_create([AssessmentScore(assessment=assessment, item_id=pk, points=p) for pk, p in points.items()])
    return assessment
