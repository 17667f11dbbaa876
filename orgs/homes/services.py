"""Writes of 侨胞之家: the venue, its 五有 assessments (with the standing they give) and designations."""
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
    DesignationKind,
    Home,
    HomeAssessment,
    HomeDesignation,
    HomeStanding,
)

if TYPE_CHECKING:  # pragma: no cover
    from orgs.organizations.models import Organization

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


@transaction.atomic
def home_save(*, organization: Organization, actor, name: str, address: str = "", area_sqm: int | None = None,
              opened_on: dt.date | None = None) -> Home:
    """Creates or changes the organization's 侨胞之家 (one per organization); the standing is kept."""
    organization_editor_check(actor, organization)
    if not (name or "").strip():
        raise ValidationError({"name": _("请填写侨胞之家名称")})
    _not_future(opened_on, "opened_on", _("启用日期"))
    home, _created = Home.objects.update_or_create(
        organization=organization,
        defaults={"name": name.strip(), "address": (address or "").strip(), "area_sqm": area_sqm, "opened_on": opened_on},
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
def home_assess(*, home: Home, actor, assessed_on: dt.date, criteria: dict[str, bool], evidence: dict[str, str]) -> HomeAssessment:
    """Records a 五有 assessment. A criterion claimed as met needs its evidence; 有活动 is met only when
    activities were logged in the year before the assessment (the evidence then says how many)."""
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
        values[f"has_{key}"] = met
        values[f"{key}_evidence"] = text
    if errors:
        raise ValidationError(errors)
    assessment = HomeAssessment.objects.create(home=home, assessed_on=assessed_on, assessor=actor, **values)
    home_standing_refresh(home)
    return assessment


@transaction.atomic
def home_designate(*, home: Home, actor, kind: str, awarded_on: dt.date, awarded_by: str = "") -> HomeDesignation:
    """Awards a designation (示范单位, or an upgrade 学习型 …); only a home at 五有达标 qualifies (Jiangxi 34)."""
    organization_editor_check(actor, home.organization)
    if kind not in DesignationKind.values:
        raise ValidationError({"kind": _("未知的称号“%(value)s”") % {"value": kind}})
    _not_future(awarded_on, "awarded_on", _("授予日期"))
    if home.standing != HomeStanding.FULL:
        raise ValidationError(
            {"kind": _("“%(home)s”尚未五有达标（%(standing)s），不能授予“%(kind)s”")
             % {"home": home.name, "standing": home.get_standing_display(), "kind": DesignationKind(kind).label}}
        )
    if home.designations.filter(kind=kind).exists():
        raise ValidationError({"kind": _("“%(home)s”已获得“%(kind)s”") % {"home": home.name, "kind": DesignationKind(kind).label}})
    return HomeDesignation.objects.create(home=home, kind=kind, awarded_on=awarded_on, awarded_by=(awarded_by or "").strip())
