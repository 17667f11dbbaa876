"""Scope-matrix cases of the founding steps that carry records (issue 17 §1): the candidate list form
(`organizations:step-candidates`) and the congress form (`organizations:step-congress`). Each object is a 侨联分会
of the county at the step the form takes, named after the county, so a 通海县 official never reaches a 华宁县 one."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from orgs.organizations.election import Candidate, Congress
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import FoundingStep, LeadershipMember, Organization, OrganizationKind
from tests.scope.registry import WEB, Placed, RouteCase, Write, register

STEPS_TO_APPROVAL = (
    ("create", "", "planned"), ("start_drafting", "planned", "drafting"), ("submit_consultation", "drafting", "consulting"),
    ("agree_united_front", "consulting", "consulting"), ("agree_consultation", "consulting", "consulting"),
    ("record_approval", "consulting", "approved"),
)


def _founding(region, tag: str, status: str) -> Organization:
    """A 侨联分会 of `region` that went through the steps up to the party approval a week ago."""
    week_ago = timezone.localdate() - dt.timedelta(days=7)
    org = Organization.objects.create(name=f"{region.name[:2]}{tag}矩阵分会", kind=OrganizationKind.BRANCH, region=region, status=status)
    FoundingStep.objects.bulk_create(
        FoundingStep(organization=org, action=action, from_status=old, to_status=new, date=week_ago)
        for action, old, new in STEPS_TO_APPROVAL
    )
    return org


def _approved(region) -> Organization:
    return _founding(region, "名单", OrganizationStatus.APPROVED)


def _list_agreed(region) -> Organization:
    """At `candidates`, its list agreed by the superior federation."""
    org = _founding(region, "大会", OrganizationStatus.CANDIDATES)
    week_ago = timezone.localdate() - dt.timedelta(days=7)
    nomination = FoundingStep.objects.create(organization=org, action="submit_candidates", from_status="approved",
                                             to_status="candidates", date=week_ago)
    FoundingStep.objects.create(organization=org, action="agree_candidates", from_status="candidates", to_status="candidates",
                                date=week_ago)
    Candidate.objects.create(organization=org, nomination=nomination, name=f"{region.name[:2]}矩阵主席", position="chair")
    return org


def _rows():
    return [
        list(Organization.objects.order_by("pk").values_list("pk", "status")),
        list(FoundingStep.objects.order_by("pk").values_list("pk", "organization_id", "action")),
        list(Candidate.objects.order_by("pk").values_list("pk", "organization_id", "name", "elected_position", "leader_id")),
        list(Congress.objects.order_by("pk").values_list("pk", "organization_id", "delegates_present")),
        list(LeadershipMember.objects.order_by("pk").values_list("pk", "organization_id", "name")),
    ]


APPROVED = Placed("founding-approved", make=_approved, markers=lambda o: (o.name,), rows=_rows)
LIST_AGREED = Placed("founding-list-agreed", make=_list_agreed, markers=lambda o: (o.name,), rows=_rows)
by_pk = lambda obj: {"pk": obj.pk}  # noqa: E731


def _candidates_body(world, obj, region):
    return {
        "date": timezone.localdate().isoformat(), "candidate-TOTAL_FORMS": "1", "candidate-INITIAL_FORMS": "0",
        "candidate-0-name": "矩阵候选人", "candidate-0-position": "chair", "candidate-0-employment": "part_time",
    }


def _congress_body(world, obj, region):
    body = {"date": timezone.localdate().isoformat(), "delegates_present": "30", "delegates_expected": "40"}
    for candidate in Candidate.objects.filter(organization=obj):
        body[f"elected_{candidate.pk}"] = "chair"
    return body


register(
    RouteCase("organizations:step-candidates", WEB, APPROVED, kwargs=by_pk, methods=(), reads=(),
              writes=(Write("POST", _candidates_body),)),
    RouteCase("organizations:step-congress", WEB, LIST_AGREED, kwargs=by_pk, methods=(), reads=(),
              writes=(Write("POST", _congress_body),)),
)
