"""Inbox messages (and e-mail, for those who chose it) on the steps of a census round: a submission tells the staff
who decide on it; an approval, a return and a reopening tell the region's officials, with the reason. Connected in
TasksConfig.ready; sent after the step commits, keyed by the step so that nobody is told twice."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from census.registry.models import CampaignReport
from census.rounds.models import CampaignReportStep, ReportStep
from census.rounds.selectors import report_submitters, report_superiors
from census.rounds.signals import report_stepped
from tasks.notifications.services import notifications_send


def round_step_notify(*, report_id: int, step_id: int) -> int:
    """Sends the notifications of one step; returns how many people were told."""
    report = CampaignReport.objects.select_related("campaign__region", "region").get(pk=report_id)
    step = CampaignReportStep.objects.select_related("actor").get(pk=step_id)
    if step.step == ReportStep.SUBMIT:
        recipients = report_superiors([report]).get(report.pk, [])
    else:
        recipients = report_submitters(report)
    recipients = [user_id for user_id in recipients if user_id != step.actor_id]
    if not recipients:
        return 0
    values = {"campaign": report.campaign.name, "region": report.region.name}
    title = {
        ReportStep.SUBMIT: _("%(campaign)s：%(region)s已提交，待您审核"),
        ReportStep.APPROVE: _("%(campaign)s：%(region)s的数据已审核通过"),
        ReportStep.RETURN: _("%(campaign)s：%(region)s的数据被退回"),
        ReportStep.REOPEN: _("%(campaign)s：%(region)s的数据被退回修改"),
    }[ReportStep(step.step)] % values
    who = step.actor.get_full_name() or step.actor.get_username() if step.actor else ""
    body = _("%(who)s于 %(when)s %(step)s。") % {"who": who, "when": step.at.strftime("%Y-%m-%d %H:%M"), "step": step.get_step_display()}
    if step.reason:
        body += _("理由：%(reason)s") % {"reason": step.reason}
    url = reverse("census:campaign-report", kwargs={"pk": report.campaign_id, "code": report.region.code})
    return notifications_send(user_ids=recipients, title=title, body=body, url=url, key=f"round-step:{step.pk}",
                              source=f"report:{report.pk}")


def _report_stepped(sender, report_id: int, step_id: int, **kwargs) -> None:
    round_step_notify(report_id=report_id, step_id=step_id)


report_stepped.connect(_report_stepped, dispatch_uid="notifications.round_step")
