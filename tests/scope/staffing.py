"""Scope-matrix cases of 机构登记与人员配备 (issue 17 §2): the page routes that record an office or credit-code step,
name the 统战部 section, add / edit / remove a post and download a step's document, and the nested API routes of the
same. Each object is a 县级侨联 of the county with an establishment, a step with a document and a post, all named after
the county, so a 通海县 official must never reach a 华宁县 one."""
from __future__ import annotations

from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone

from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization, OrganizationKind
from orgs.staffing.models import Establishment, EstablishmentStep, StaffPost
from tests.scope.registry import API, WEB, Placed, Probe, RouteCase, Write, register


def _short(region) -> str:
    return region.name[:2]


def _today() -> str:
    return timezone.localdate().isoformat()


@dataclass
class Staffed:
    organization: Organization
    establishment: Establishment
    step: EstablishmentStep
    post: StaffPost


def _staffed(region, tag: str) -> Staffed:
    name = f"{_short(region)}{tag}"
    organization = Organization.objects.create(name=f"{name}矩阵机构侨联", kind=OrganizationKind.COUNTY, region=region,
                                               status=OrganizationStatus.ACTIVE)
    establishment = Establishment.objects.create(organization=organization, responsible_section=f"{organization.name}科",
                                                 office_status="requested")
    step = EstablishmentStep(organization=organization, action="request_office", date=timezone.localdate(), note=f"{name}矩阵申请")
    step.document.save("request.pdf", ContentFile(f"%PDF-1.4 {name}矩阵登记".encode()), save=False)
    step.save()
    post = StaffPost.objects.create(organization=organization, title=f"{name}矩阵岗位", employment="part_time", funding="concurrent")
    return Staffed(organization, establishment, step, post)


def _rows():
    return [
        list(Establishment.objects.order_by("pk").values_list("pk", "organization_id", "office_status", "credit_code_status",
                                                               "credit_code", "responsible_section")),
        list(EstablishmentStep.objects.order_by("pk").values_list("pk", "organization_id", "action", "date", "code")),
        list(StaffPost.objects.order_by("pk").values_list("pk", "organization_id", "title", "holder", "employment", "funding")),
    ]


STAFFED = Placed("staffing", make=lambda region: _staffed(region, "组"), markers=lambda s: (s.organization.name,), rows=_rows)
POST = Placed("staffing-post", make=lambda region: _staffed(region, "岗").post, markers=lambda p: (p.title,), rows=_rows)
STEP = Placed("staffing-step", make=lambda region: _staffed(region, "步").step, markers=lambda s: (f"{s.note.removesuffix('申请')}登记",),
              rows=_rows)

by_org = lambda s: {"pk": s.organization.pk}  # noqa: E731
by_pk = lambda obj: {"pk": obj.pk}  # noqa: E731
api_org = lambda s: {"organization_pk": s.organization.pk}  # noqa: E731

STEP_BODY = lambda world, s, region: {"action": "need_credit_code", "date": _today(), "note": "矩阵"}  # noqa: E731
SECTION_BODY = lambda world, s, region: {"responsible_section": "矩阵新科室"}  # noqa: E731
POST_BODY = lambda world, s, region: {"title": "矩阵新岗位", "employment": "full_time", "funding": "purchased"}  # noqa: E731

register(
    RouteCase("staffing:step-create", WEB, STAFFED, kwargs=by_org, methods=(), reads=(), writes=(Write("POST", STEP_BODY),)),
    RouteCase("staffing:section-save", WEB, STAFFED, kwargs=by_org, methods=(), reads=(), writes=(Write("POST", SECTION_BODY),)),
    RouteCase("staffing:post-create", WEB, STAFFED, kwargs=by_org, methods=(), reads=(), writes=(Write("POST", POST_BODY),)),
    RouteCase("staffing:post-edit", WEB, POST, kwargs=by_pk, leader_reads=False, writes=(
        Write("POST", lambda world, p, region: {"title": p.title + "改", "employment": "part_time", "funding": "public_welfare"}),)),
    RouteCase("staffing:post-remove", WEB, POST, kwargs=by_pk, methods=(), reads=(), writes=(Write("POST", action="delete"),)),
    RouteCase("staffing:step-document", WEB, STEP, kwargs=by_pk),
    # ---- API ----
    RouteCase("api:organization-establishment-list", API, STAFFED, kwargs=api_org),
    RouteCase("api:organization-establishment-steps", API, STAFFED, kwargs=api_org, methods=("OPTIONS",), reads=(),
              writes=(Write("POST", STEP_BODY, json=True),)),
    RouteCase("api:organization-establishment-section", API, STAFFED, kwargs=api_org, methods=("OPTIONS",), reads=(),
              writes=(Write("PUT", SECTION_BODY, json=True, name="put"), Write("PATCH", SECTION_BODY, json=True, name="patch"))),
    RouteCase("api:organization-establishment-document", API, STEP,
              kwargs=lambda s: {"organization_pk": s.organization_id, "pk": s.pk}),
    RouteCase("api:organization-staff-post-list", API, STAFFED, kwargs=api_org, reads=(Probe(shows_own=False),),
              writes=(Write("POST", POST_BODY, json=True),)),
    RouteCase("api:organization-staff-post-detail", API, POST, kwargs=lambda p: {"organization_pk": p.organization_id, "pk": p.pk},
              writes=(Write("PATCH", lambda world, p, region: {"holder": "矩阵人"}, json=True, name="patch"),
                      Write("PUT", lambda world, p, region: {"title": p.title + "换", "employment": "part_time", "funding": "establishment"},
                            json=True, name="put"),
                      Write("DELETE", action="delete", json=True, name="delete"))),
)
