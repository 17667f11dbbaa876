"""Coverage jobs. The nightly one (beat, 02:30 Asia/Shanghai): every jurisdiction evaluated again, so that a policy
that takes effect, a region imported or a write whose re-evaluation failed is reflected by the morning. And the
subtree of a policy just saved. Idempotent: an evaluation writes the verdicts as a diff."""
from __future__ import annotations

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from census.coverage.policies import POLICY_REEVALUATION_JOB, policy_reevaluate
from census.coverage.services import coverage_evaluate_everywhere

COVERAGE_NIGHTLY_JOB = "census.evaluate_coverage_everywhere"


@shared_task(name=COVERAGE_NIGHTLY_JOB, acks_late=True, soft_time_limit=3000, time_limit=3600)
def evaluate_coverage_everywhere() -> dict:
    """Each top-level region (province) in its own transaction; returns what was evaluated and where no policy is."""
    reports = coverage_evaluate_everywhere()
    return {
        "roots": len(reports),
        "places": sum(report.places for report in reports.values()),
        "unruled": [code for report in reports.values() for code, _name in report.unruled],
    }


@shared_task(name=POLICY_REEVALUATION_JOB, acks_late=True, soft_time_limit=3000, time_limit=3600,
             label=_("门槛变更后重新评估应建"))
def evaluate_coverage_after_policy_change(region_id: int | None) -> int:
    """The subtree a saved policy governs (the whole country for the nationwide default), queued on commit so that
    the save answers at once even for a province. Idempotent: an evaluation writes the verdicts as a diff."""
    return policy_reevaluate(region_id)
