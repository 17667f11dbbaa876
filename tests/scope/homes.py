"""Scope-matrix cases of designation nominations (issue 17 §4): the 待审推荐 page, nominating an organization's 侨胞之家,
a step of a nomination (web and API). Each object is a 侨联分会 of the county whose home is at 五有达标 with one
nomination waiting for the city, all named after the county, so a 通海县 official never reaches a 华宁县 one. The steps
are the city's to take (a county cannot award its own home): their positive control is sent by 玉溪市 staff."""
from __future__ import annotations

from django.utils import timezone

from orgs.homes.models import (
    DesignationNomination,
    DesignationStep,
    Home,
    HomeDesignation,
    HomeStanding,
    NominationStatus,
)
from orgs.homes.nominations import reviewing_regions
from orgs.organizations.models import Organization, OrganizationKind
from tests.scope.registry import API, WEB, Placed, Probe, RouteCase, Write, register


def _make_nomination(region) -> DesignationNomination:
    organization = Organization.objects.create(name=f"{region.name[:2]}矩阵推荐分会", kind=OrganizationKind.BRANCH, region=region,
                                               status="active")
    home = Home.objects.create(organization=organization, name=f"{region.name[:2]}矩阵推荐之家", standing=HomeStanding.FULL)
    city, province = reviewing_regions(region)
    nomination = DesignationNomination.objects.create(home=home, kind="demonstration", city=city, province=province,
                                                      status=NominationStatus.NOMINATED, note="矩阵")
    DesignationStep.objects.create(nomination=nomination, action="nominate", to_status=NominationStatus.NOMINATED,
                                   date=timezone.localdate())
    return nomination


def _rows():
    return [
        list(DesignationNomination.objects.order_by("pk").values_list("pk", "home_id", "kind", "status")),
        list(DesignationStep.objects.order_by("pk").values_list("pk", "nomination_id", "action")),
        list(HomeDesignation.objects.order_by("pk").values_list("pk", "home_id", "kind", "level")),
    ]


NOMINATION = Placed("designation-nomination", make=_make_nomination, markers=lambda n: (n.home.name,), rows=_rows)
by_pk = lambda n: {"pk": n.pk}  # noqa: E731
by_organization = lambda n: {"pk": n.home.organization_id}  # noqa: E731


def _nominate_body(world, nomination, region):
    return {"kind": "learning", "note": "矩阵推荐"}


def _award_body(world, nomination, region):
    return {"action": "award", "awarded_by": "矩阵"}


def _api_nominate_body(world, nomination, region):
    placed = world.own(NOMINATION) if region == world.own_region else world.foreign(NOMINATION)
    return {"home": placed.home_id, "kind": "learning", "note": "矩阵"}


register(
    RouteCase("designations:list", WEB, NOMINATION),
    RouteCase("designations:nominate", WEB, NOMINATION, kwargs=by_organization, methods=(), reads=(),
              writes=(Write("POST", _nominate_body),)),
    RouteCase("designations:step", WEB, NOMINATION, kwargs=by_pk, methods=(), reads=(),
              writes=(Write("POST", _award_body),), writer="yuxi_staff"),
    RouteCase("api:designation-nomination-list", API, NOMINATION, reads=(
        Probe(), Probe(data=lambda world, obj: {"pending": "1"}, shows_own=False, leader_sees_both=False, name="pending"),
    ), writes=(Write("POST", _api_nominate_body, action="create", moves=True, json=True),)),
    RouteCase("api:designation-nomination-detail", API, NOMINATION, kwargs=by_pk),
    RouteCase("api:designation-nomination-steps", API, NOMINATION, kwargs=by_pk, methods=(), reads=(),
              writes=(Write("POST", _award_body, json=True),), writer="yuxi_staff"),
)
