"""Writes of 侨胞之家: the venue (标准、驿站式、网上), its 五有 assessments (with the standing they give, how each
criterion was reached and who supported it) and the award of a designation, the last step of a nomination
(`orgs.homes.nominations`)."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.access.scoping import user_scope
from orgs.homes.models import (
    FIVE_CRITERIA,
    BuildApproach,
    DesignationKind,
    DesignationLevel,
    DesignationNomination,
    Home,
    HomeAssessment,
    HomeDesignation,
    HomeKind,
    HomeStanding,
)

if TYPE_CHECKING:  # pragma: no cover
    from orgs.organizations.models import Organization
    from orgs.units.models import Unit

# 有活动: activities logged within this many days before the assessment date.
ACTIVITY_WINDOW_DAYS = 365


def organization_editor_check(actor, organization: Organization) -> None:
    """Refuses an actor who may not change the organization (its home, activities and leaders with it)."""
    scope = user_scope(actor)
    if not scope.can_write or not scope.edits_region(organization.region):
        raise ValidationError(_("您无权修改“%(name)s”") % {"name": organization.name})


def _not_future(value: dt.date | None, field: str, label: str) -> None:
    if value and value > timezone.localdate():
        raise ValidationError({field: _("%(label)s %(value)s 不能是将来的日期") % {"label": label, "value": value.isoformat()}})


def home_kind_check(*, kind: str, unit: Unit | None, online_address: str, organization: Organization, actor) -> None:
    """The form of a 侨胞之家 (Yuxi 三(四)): "机关、园区、企业等“新侨”集聚的单位可结合单位“职工之家”等资源打造特色鲜明的驿站式
    侨胞之家" — a 驿站式 home names its unit; "集中力量推进“网上侨胞之家”建设" — an online home names its web address or
    WeChat account instead of a street address. A unit must lie where the actor may write."""
    if kind not in HomeKind.values:
        raise ValidationError({"kind": _("未知的侨胞之家类型“%(value)s”") % {"value": kind}})
    if kind == HomeKind.STATION and unit is None:
        raise ValidationError({"unit": _("驿站式侨胞之家须选择所在单位（机关、园区、企业等）")})
    if kind == HomeKind.ONLINE and not online_address:
        raise ValidationError({"online_address": _("网上侨胞之家须填写网址或微信公众号")})
    if unit is not None:
        if kind == HomeKind.STANDARD:
            raise ValidationError({"unit": _("标准侨胞之家不选所在单位；设在单位的请选择“驿站式”")})
        if not user_scope(actor).edits_region(unit.region):
            raise ValidationError({"unit": _("单位“%(name)s”不在您的辖区内") % {"name": unit.name}})


@transaction.atomic
def home_save(*, organization: Organization, actor, name: str, address: str = "", area_sqm: int | None = None,
              opened_on: dt.date | None = None, kind: str = HomeKind.STANDARD, unit: Unit | None = None,
              online_address: str = "") -> Home:
    """Creates or changes the organization's 侨胞之家 (one per organization); the standing is kept. A 驿站式 home
    names its unit, an online one its web address or WeChat account (it needs no street address)."""
    organization_editor_check(actor, organization)
    if not (name or "").strip():
        raise ValidationError({"name": _("请填写侨胞之家名称")})
    _not_future(opened_on, "opened_on", _("启用日期"))
    kind = kind or HomeKind.STANDARD
    online_address = (online_address or "").strip()
    home_kind_check(kind=kind, unit=unit, online_address=online_address, organization=organization, actor=actor)
    home, _created = Home.objects.update_or_create(
        organization=organization,
        defaults={"name": name.strip(), "address": (address or "").strip(), "area_sqm": area_sqm, "opened_on": opened_on,
                  "kind": kind, "unit": unit, "online_address": online_address},
    )
    return home


def activities_in_window(organization: Organization, on: dt.date) -> int:
    start = on - dt.timedelta(days=ACTIVITY_WINDOW_DAYS)
    return organization.activities.filter(held_on__gt=start, held_on__lte=on).count()


def home_standing_refresh(home: Home) -> str:
    """The standing from the latest assessment (by date, then by record)."""
    latest = home.assessments.order_by("-assessed_on", "-pk").first()
    standing = HomeStanding.NOT_ASSESSED if latest is None else latest.standing
    if home.standing != standing:
        home.standing = standing
        home.save(update_fields=["standing", "updated_at"])
    return standing


@transaction.atomic
def home_assess(*, home: Home, actor, assessed_on: dt.date, criteria: dict[str, bool], evidence: dict[str, str],
                approaches: dict[str, str] | None = None, supporters: dict[str, str] | None = None) -> HomeAssessment:
    """Records a 五有 assessment. A criterion claimed as met needs its evidence and how it was reached (Jiangxi 9:
    "争取党政机关、兄弟群团组织及侨胞侨企支持……通过自己建、联合建、参与建、引导建等方式，提高基层侨联“五有”水平"); one not
    built by the organization alone (联合建、参与建、引导建) names who supported it. 有活动 is met only when
    activities were logged in the year before the assessment (the evidence then says how many)."""
    approaches = approaches or {}
    supporters = supporters or {}
    organization_editor_check(actor, home.organization)
    if assessed_on is None:
        raise ValidationError({"assessed_on": _("请填写评估日期")})
    _not_future(assessed_on, "assessed_on", _("评估日期"))
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    n_activities = activities_in_window(home.organization, assessed_on)
    for key, label in FIVE_CRITERIA:
        met = bool(criteria.get(key))
        text = (evidence.get(key) or "").strip()
        if key == "activities":
            if met and not n_activities:
                errors[f"has_{key}"] = _("%(date)s 前一年内没有登记任何活动，不能认定“有活动”") % {"date": assessed_on.isoformat()}
            elif met and not text:
                text = _("近一年开展活动 %(n)s 次") % {"n": n_activities}
        if met and not text:
            errors[f"{key}_evidence"] = _("认定“%(label)s”须填写依据") % {"label": label}
        approach = (approaches.get(key) or "").strip() if met else ""
        backers = (supporters.get(key) or "").strip() if met else ""
        if approach and approach not in BuildApproach.values:
            errors[f"{key}_approach"] = _("未知的建设方式“%(value)s”") % {"value": approach}
        elif met and not approach:
            errors[f"{key}_approach"] = _("认定“%(label)s”须选择建设方式（自己建、联合建、参与建、引导建）") % {"label": label}
        elif approach and approach != BuildApproach.OWN and not backers:
            errors[f"{key}_supporters"] = _("“%(label)s”为%(approach)s，须填写支持单位") % {
                "label": label, "approach": BuildApproach(approach).label}
        values[f"has_{key}"] = met
        values[f"{key}_evidence"] = text
        values[f"{key}_approach"] = approach
        values[f"{key}_supporters"] = backers
    if errors:
        raise ValidationError(errors)
    assessment = HomeAssessment.objects.create(home=home, assessed_on=assessed_on, assessor=actor, **values)
    home_standing_refresh(home)
    return assessment


@transaction.atomic
def home_designate(*, nomination: DesignationNomination, level: str, awarded_on: dt.date,
                   awarded_by: str = "") -> HomeDesignation:
    """The award step of a nomination (`orgs.homes.nominations.nomination_step` checks who may award and calls this
    inside its transaction; there is no other way to create a designation): 示范单位 or an upgrade 学习型 …, at the
    level of the awarding federation. Only a home at 五有达标 qualifies (Jiangxi 34: "鼓励“侨胞之家”在“五有”的基础上
    进一步向……发展")."""
    home, kind = nomination.home, nomination.kind
    if level not in DesignationLevel.values:
        raise ValidationError({"level": _("未知的称号级别“%(value)s”") % {"value": level}})
    if kind not in DesignationKind.values:
        raise ValidationError({"kind": _("未知的称号“%(value)s”") % {"value": kind}})
    _not_future(awarded_on, "awarded_on", _("授予日期"))
    if home.standing != HomeStanding.FULL:
        raise ValidationError(
            {"kind": _("“%(home)s”尚未五有达标（%(standing)s），不能授予“%(kind)s”")
             % {"home": home.name, "standing": home.get_standing_display(), "kind": DesignationKind(kind).label}}
        )
    if home.designations.filter(kind=kind, level=level).exists():
        raise ValidationError({"kind": _("“%(home)s”已获得%(level)s“%(kind)s”") % {
            "home": home.name, "level": DesignationLevel(level).label, "kind": DesignationKind(kind).label}})
    return HomeDesignation.objects.create(home=home, kind=kind, level=level, awarded_on=awarded_on,
                                          awarded_by=(awarded_by or "").strip(), nomination=nomination)
