"""Scope-matrix cases of census rounds (issue 16 §1): the round pages (list, open, a round, a region's report and its
steps) and the round actions of the campaigns API. A 通海县 official reaches its own county's report and nothing of
华宁县's (404), submits its own county (the positive control) and approves nothing; leadership writes nothing.

Two kinds of object: a round over the county itself (its page is the county's alone), and the county's report in a
round over 玉溪市 shared by both counties (the report is the county's: the other county's is a 404), returned with a
reason that marks it."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from census.registry.models import Campaign, CampaignReport
from census.rounds.models import CampaignReportStep
from census.rounds.services import report_return, report_submit, round_open
from orgs.regions.models import Region
from tests.scope.registry import API, WEB, Placed, RouteCase, Write, register

User = get_user_model()
READ_METHODS = ("GET", "HEAD", "OPTIONS")
DEADLINE = dt.date(2032, 6, 30)


def _admin():
    return User.objects.get(username="admin")


def _short(region) -> str:
    return region.name[:2]


def _round(region) -> Campaign:
    return round_open(editor=_admin(), year=2032, region=region, name=f"{_short(region)}矩阵轮次", deadline=DEADLINE)


def _report(region) -> CampaignReport:
    """The county's report in the 2033 round over 玉溪市, submitted and returned with a reason naming the county."""
    campaign, _created = Campaign.objects.get_or_create(
        year=2033, region=Region.objects.get(code="530400"), defaults={"name": "玉溪矩阵共用轮次", "deadline": DEADLINE}
    )
    report = CampaignReport.objects.select_related("region", "campaign").get(campaign=campaign, region=region)
    report_submit(report=report, actor=_admin())
    return report_return(report=report, actor=_admin(), reason=f"{_short(region)}矩阵退回理由")


def _report_rows():
    return [
        *CampaignReport.objects.order_by("pk").values_list("pk", "campaign_id", "region_id", "status", "reason", "submitted_at", "decided_at"),
        *CampaignReportStep.objects.order_by("pk").values_list("pk", "report_id", "step"),
    ]


ROUND = Placed(
    "round",
    make=_round,
    markers=lambda c: (c.name,),
    rows=lambda: [*Campaign.objects.order_by("pk").values_list("pk", "year", "name", "region_id", "is_open", "deadline"), *_report_rows()],
)
REPORT = Placed("campaignreport", make=_report, markers=lambda r: (r.reason,), rows=_report_rows)

by_pk = lambda c: {"pk": c.pk}  # noqa: E731
by_report = lambda r: {"pk": r.campaign_id, "code": r.region.code}  # noqa: E731
by_campaign = lambda r: {"pk": r.campaign_id}  # noqa: E731


def open_round_form(world, obj, region):
    return {"year": 2034, "region": region.code, "name": f"{_short(region)}新轮次", "deadline": "2034-06-30", "reporting_levels": ["county"]}


def reason(world, obj, region):
    return {"reason": "矩阵理由"}


def step_body(world, obj, region):
    return {"region": obj.region.code, "reason": "矩阵理由"}


register(
    RouteCase("census:campaign-list", WEB, ROUND),
    # Opening a round is for federation staff: the county official and leadership get a 403 (no positive control).
    RouteCase(
        "census:campaign-create", WEB, ROUND, methods=("GET", "HEAD", "POST"), reads=(),
        writes=(Write("POST", open_round_form, action="create", moves=True, control=False),), leader_reads=False,
    ),
    RouteCase("census:campaign-detail", WEB, ROUND, kwargs=by_pk),
    RouteCase("census:campaign-report", WEB, REPORT, kwargs=by_report),
    RouteCase("census:campaign-submit", WEB, REPORT, kwargs=by_report, methods=("POST",), reads=(), writes=(Write("POST"),)),
    # Approving, returning and reopening are the superior's: the county official is refused (403) on its own county.
    RouteCase("census:campaign-approve", WEB, REPORT, kwargs=by_report, methods=("POST",), reads=(),
              writes=(Write("POST", control=False),)),
    RouteCase("census:campaign-return", WEB, REPORT, kwargs=by_report, methods=("POST",), reads=(),
              writes=(Write("POST", reason, control=False),)),
    RouteCase("census:campaign-reopen", WEB, REPORT, kwargs=by_report, methods=("POST",), reads=(),
              writes=(Write("POST", reason, control=False),)),
    RouteCase("api:campaign-reports", API, ROUND, kwargs=by_pk, methods=READ_METHODS),
    RouteCase(
        "api:campaign-changes", API, REPORT, methods=READ_METHODS,
        url=lambda r: f"/api/campaigns/{r.campaign_id}/changes/?region={r.region.code}",
    ),
    RouteCase("api:campaign-submit", API, REPORT, kwargs=by_campaign, methods=("POST",), reads=(),
              writes=(Write("POST", step_body, json=True),)),
    RouteCase("api:campaign-approve", API, REPORT, kwargs=by_campaign, methods=("POST",), reads=(),
              writes=(Write("POST", step_body, json=True, control=False),)),
    RouteCase("api:campaign-return", API, REPORT, kwargs=by_campaign, methods=("POST",), reads=(),
              writes=(Write("POST", step_body, json=True, control=False),)),
    RouteCase("api:campaign-reopen", API, REPORT, kwargs=by_campaign, methods=("POST",), reads=(),
              writes=(Write("POST", step_body, json=True, control=False),)),
)
