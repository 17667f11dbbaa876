"""Designations of 侨胞之家 (Jiangxi 32–34), nominated and awarded by the superior, as a table.

    (nominate)  → nominated (待市侨联审核) → recommended (待省侨联审核) → awarded (省级)
                  nominated → awarded (市级)
                  nominated → returned (退回, with a reason) → (resubmit) → nominated
                  recommended → nominated (the province returns it to the city, with a reason)

Who does a step (the `side` of a transition), as the founding steps do it (`orgs.organizations.founding`):

* OWN — the organization or its county: a user who may change the home's region, and who is not the reviewing city
  federation itself (a county official of 通海县; 玉溪市 staff review, they do not nominate). They nominate, and
  resubmit a nomination returned to them.
* CITY — a user who may change the city region above the home and not the province's (玉溪市 staff): recommends the
  nomination to the province, returns it with a reason, or awards a 市级 designation.
* PROVINCE — a user who may change the province region (云南省 staff): awards a 省级 designation, or returns it to the
  city with a reason.

A county official never edits the city's region, so a county cannot award its own homes; leadership writes nothing;
administrators may do every step. A designation carries the level of the body that awarded it (市级, 省级); a home of
a city-level organization skips the city. Only a home at 五有达标 can be nominated, resubmitted or awarded (Jiangxi 34).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.access.scoping import user_scope
from orgs.homes.models import (
    STEP_ACTIONS,
    DesignationKind,
    DesignationLevel,
    DesignationNomination,
    DesignationStep,
    Home,
    HomeStanding,
    NominationStatus,
)
from orgs.homes.services import home_designate
from orgs.regions.models import Region, RegionLevel

if TYPE_CHECKING:  # pragma: no cover
    from django_stubs_ext import StrOrPromise

S = NominationStatus
OWN, CITY, PROVINCE = "own", "city", "province"
NOMINATE = "nominate"


@dataclass(frozen=True)
class NominationTransition:
    action: str
    label: StrOrPromise
    source: str
    side: str
    target: str  # RETURNED_OR_CITY: back to the city when the nomination has one, else to the home's side
    level: str = ""  # the level of the designation an award gives
    needs_reason: bool = False


BACK_TO_CITY = "back_to_city"
TRANSITIONS: tuple[NominationTransition, ...] = (
    NominationTransition("resubmit", gettext_lazy("重新报送"), S.RETURNED, OWN, S.NOMINATED),
    NominationTransition("recommend", gettext_lazy("推荐至省侨联"), S.NOMINATED, CITY, S.RECOMMENDED),
    NominationTransition("award", gettext_lazy("授予市级称号"), S.NOMINATED, CITY, S.AWARDED, DesignationLevel.CITY),
    NominationTransition("return", gettext_lazy("退回（须说明理由）"), S.NOMINATED, CITY, S.RETURNED, needs_reason=True),
    NominationTransition("award", gettext_lazy("授予省级称号"), S.RECOMMENDED, PROVINCE, S.AWARDED, DesignationLevel.PROVINCE),
    NominationTransition("return", gettext_lazy("退回市侨联（须说明理由）"), S.RECOMMENDED, PROVINCE, BACK_TO_CITY, needs_reason=True),
)
ACTIONS = ("resubmit", "recommend", "award", "return")
def action_label(action: str) -> str:
    return str(STEP_ACTIONS.get(action, action))


# ---- who may act --------------------------------------------------------------------------------------------


def reviewing_regions(home_region: Region) -> tuple[Region | None, Region | None]:
    """The city and province regions above the home's region (strictly above: a city's own home skips the city).
    One query."""
    above = Region.objects.covering(home_region, strict=True).filter(level__in=(RegionLevel.CITY, RegionLevel.PROVINCE))
    by_level = {region.level: region for region in above}
    return by_level.get(RegionLevel.CITY), by_level.get(RegionLevel.PROVINCE)


def _edits(scope, region: Region | None) -> bool:
    return region is not None and scope.edits_region(region)


def may_act(user, nomination_home_region: Region, city: Region | None, province: Region | None, side: str) -> bool:
    """Whether `user` acts for `side` of a nomination of a home in `nomination_home_region` (see the module doc)."""
    scope = user_scope(user)
    if scope.is_admin:
        return True
    if side == OWN:
        first_reviewer = city or province
        return scope.edits_region(nomination_home_region) and not _edits(scope, first_reviewer)
    if side == CITY:
        return _edits(scope, city) and not _edits(scope, province)
    return _edits(scope, province)


def allowed_steps(user, nomination: DesignationNomination) -> list[NominationTransition]:
    """The steps this user may take now on the nomination (the pages and the API offer only these). In memory: the
    nomination comes with its home's organization's region, its city and its province."""
    region = nomination.home.organization.region
    return [
        t for t in TRANSITIONS
        if t.source == nomination.status and (t.side != CITY or nomination.city_id) and (t.side != PROVINCE or nomination.province_id)
        and (t.action != "recommend" or nomination.province_id)
        and may_act(user, region, nomination.city, nomination.province, t.side)
    ]


def may_nominate(user, home: Home, city: Region | None, province: Region | None) -> bool:
    return may_act(user, home.organization.region, city, province, OWN)


# ---- writes -------------------------------------------------------------------------------------------------


def _date(value: dt.date | None, previous: dt.date | None = None) -> dt.date:
    value = value or timezone.localdate()
    if value > timezone.localdate():
        raise ValidationError({"date": _("日期 %(value)s 不能是将来的日期") % {"value": value.isoformat()}})
    if previous is not None and value < previous:
        raise ValidationError({"date": _("日期 %(value)s 不能早于上一步的日期 %(previous)s") % {
            "value": value.isoformat(), "previous": previous.isoformat()}})
    return value


def _full_standing(home: Home, kind: str) -> None:
    """Jiangxi 34: "鼓励“侨胞之家”在“五有”的基础上进一步向“学习型、创新型、服务型、规范型、和谐型”组织发展"."""
    if home.standing != HomeStanding.FULL:
        raise ValidationError({"kind": _("“%(home)s”尚未五有达标（%(standing)s），不能推荐“%(kind)s”（江西第34条：在“五有”的基础上创建）") % {
            "home": home.name, "standing": home.get_standing_display(), "kind": DesignationKind(kind).label}})


@transaction.atomic
def designation_nominate(*, home: Home, kind: str, actor, date: dt.date | None = None, note: str = "") -> DesignationNomination:
    """推荐: the organization or its county puts its 侨胞之家 forward for a designation (Jiangxi 33 示范单位, 34 升级创建).
    Refuses a home not at 五有达标, a kind already pending for the home or already awarded at the top (省级) level,
    an actor who is not the home's own side, and a home without a superior federation in the system."""
    home = Home.objects.select_for_update().select_related("organization__region").get(pk=home.pk)
    if kind not in DesignationKind.values:
        raise ValidationError({"kind": _("未知的称号“%(value)s”") % {"value": kind}})
    city, province = reviewing_regions(home.organization.region)
    if city is None and province is None:
        raise ValidationError({"kind": _("“%(home)s”没有上级侨联可以评定称号") % {"home": home.name}})
    if not may_nominate(actor, home, city, province):
        raise ValidationError(_("称号由本组织或所在县推荐、上级侨联授予：您不能为“%(home)s”推荐称号") % {"home": home.name})
    _full_standing(home, kind)
    label = DesignationKind(kind).label
    if home.nominations.filter(kind=kind).exclude(status=S.AWARDED).exists():
        raise ValidationError({"kind": _("“%(home)s”的“%(kind)s”推荐正在办理中") % {"home": home.name, "kind": label}})
    if home.designations.filter(kind=kind, level=DesignationLevel.PROVINCE).exists():
        raise ValidationError({"kind": _("“%(home)s”已获得省级“%(kind)s”") % {"home": home.name, "kind": label}})
    on = _date(date)
    status = S.NOMINATED if city is not None else S.RECOMMENDED
    nomination = DesignationNomination.objects.create(
        home=home, kind=kind, status=status, city=city, province=province, note=(note or "").strip(), nominated_by=actor,
    )
    DesignationStep.objects.create(nomination=nomination, action=NOMINATE, from_status="", to_status=status, date=on,
                                   note=nomination.note, actor=actor)
    return nomination


@transaction.atomic
def nomination_step(*, nomination: DesignationNomination, action: str, actor, date: dt.date | None = None, note: str = "",
                    awarded_by: str = "") -> DesignationStep:
    """One step of a nomination: resubmit (the home's side, after a return), recommend / award 市级 / return (the city),
    award 省级 / return to the city (the province). A return needs its reason; an award creates the designation
    (`home_designate`) at the level of the side that awards it."""
    nomination = (
        DesignationNomination.objects.select_for_update(of=("self",))
        .select_related("home__organization__region", "city", "province")
        .get(pk=nomination.pk)
    )
    if action not in ACTIONS:
        raise ValidationError({"action": _("未知的步骤“%(action)s”") % {"action": action}})
    candidates = [t for t in TRANSITIONS if t.action == action and t.source == nomination.status]
    if not candidates:
        raise ValidationError({"action": _("推荐当前为“%(status)s”，不能办理“%(action)s”") % {
            "status": nomination.get_status_display(), "action": action_label(action)}})
    allowed = [t for t in allowed_steps(actor, nomination) if t.action == action]
    if not allowed:
        side = candidates[0].side
        who = {OWN: _("本组织或所在县"), CITY: _("市侨联（%(region)s）") % {"region": nomination.city.name if nomination.city else "—"},
               PROVINCE: _("省侨联（%(region)s）") % {"region": nomination.province.name if nomination.province else "—"}}[side]
        raise ValidationError({"action": _("“%(action)s”由%(who)s办理，您不能办理") % {"action": action_label(action), "who": who}})
    transition = allowed[0]
    note = (note or "").strip()
    if transition.needs_reason and not note:
        raise ValidationError({"note": _("退回须说明理由")})
    last = nomination.steps.order_by("-date", "-pk").values_list("date", flat=True).first()
    on = _date(date, last)
    home = nomination.home
    if transition.action in ("resubmit", "award"):
        home.refresh_from_db(fields=["standing"])
        _full_standing(home, nomination.kind)
    target = transition.target
    if target == BACK_TO_CITY:
        target = S.NOMINATED if nomination.city_id else S.RETURNED
    if transition.action == "resubmit" and not nomination.city_id:
        target = S.RECOMMENDED
    if transition.action == "award":
        region = nomination.city if transition.level == DesignationLevel.CITY else nomination.province
        default_body = _("%(name)s侨联") % {"name": region.name} if region is not None else ""
        home_designate(nomination=nomination, level=transition.level, awarded_on=on, awarded_by=(awarded_by or "").strip() or default_body)
    step = DesignationStep.objects.create(nomination=nomination, action=action, from_status=nomination.status, to_status=target,
                                          date=on, note=note, actor=actor)
    nomination.status = target
    nomination.save(update_fields=["status", "updated_at"])
    return step
