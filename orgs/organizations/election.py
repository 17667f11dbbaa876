"""候选人名单 and 代表大会: the records of two founding steps (Yuxi plan 三(一): "各级侨联组织领导机构候选人名单由同级
党组织研究并征求上一级侨联意见后确定，选举结果报上一级侨联备案").

A `Candidate` belongs to the `submit_candidates` step that submitted it: each submission is a new list, the one
of the latest submission is the current one. The `hold_congress` step has one `Congress` (delegates expected and
present); the candidates it elected carry their elected position and the `LeadershipMember` made from them.
Models only: `orgs.organizations.services.organization_transition` writes them, in the step's transaction."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.access.scoping import ScopedQuerySet
from orgs.organizations.choices import Employment, LeaderPosition
from orgs.organizations.models import FoundingStep, LeadershipMember, Organization


class ElectionQuerySet(ScopedQuerySet):
    region_field = "organization__region"


class Candidate(models.Model):
    """领导机构候选人: one name of a candidate list decided by the same-level party organization, with the intended
    position; once the congress is recorded, the position elected to (blank: not elected) and the member of the
    leading body made from it."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="candidates"
    )
    nomination = models.ForeignKey(
        FoundingStep, verbose_name=_("报送步骤"), on_delete=models.CASCADE, related_name="candidates"
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("姓名"), max_length=64)
    position = models.CharField(_("拟任职务"), max_length=20, choices=LeaderPosition.choices)
    employment = models.CharField(_("专兼职"), max_length=10, choices=Employment.choices, default=Employment.PART_TIME)
    is_returned_or_relative = models.BooleanField(_("归侨侨眷"), default=False)
    elected_position = models.CharField(
        _("当选职务"), max_length=20, choices=LeaderPosition.choices, blank=True, default=""
    )
    leader = models.OneToOneField(
        LeadershipMember, verbose_name=_("领导机构成员"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="candidate",
    )

    objects = ElectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("领导机构候选人")
        verbose_name_plural = _("领导机构候选人")
        ordering = ["nomination_id", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_position_display()}）"


class Congress(models.Model):
    """归侨侨眷代表大会: the congress recorded by a `hold_congress` step (its date is the step's date)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="congresses"
    )
    step = models.OneToOneField(FoundingStep, verbose_name=_("步骤"), on_delete=models.CASCADE, related_name="congress")
    delegates_expected = models.PositiveIntegerField(_("应到代表"), null=True, blank=True)
    delegates_present = models.PositiveIntegerField(_("实到代表"))

    objects = ElectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("代表大会")
        verbose_name_plural = _("代表大会")

    def __str__(self) -> str:
        return f"{self.organization} · {self.step.date}"
