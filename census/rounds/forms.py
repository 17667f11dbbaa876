"""Forms of the round pages: opening a round, and the reason of a return or a reopening."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from census.rounds.selectors import DEFAULT_REPORTING_LEVELS, REPORTING_LEVELS
from census.rounds.services import REASON_LIMIT
from orgs.common.forms import DateInput, ScopedFormMixin
from orgs.regions.forms import ScopedRegionField
from orgs.regions.models import RegionLevel


class RoundOpenForm(ScopedFormMixin, forms.Form):
    """发起侨情调查: the year, the region (one the user administers), the deadline and which levels report."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    region = ScopedRegionField(label=_("调查范围"))
    name = forms.CharField(label=_("名称"), max_length=128, required=False, help_text=_("留空则为“2026年度玉溪市侨情调查”式的名称"))
    deadline = forms.DateField(label=_("截止日期"), widget=DateInput(), help_text=_("填报单位在此日期（含）之前提交为按时"))
    reporting_levels = forms.MultipleChoiceField(
        label=_("填报层级"), choices=[(level, RegionLevel(level).label) for level in REPORTING_LEVELS],
        widget=forms.CheckboxSelectMultiple, help_text=_("通常由各县(市、区)填报；选择市级时，市的汇总在其各县审核通过后再报上级审核"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        self.fields["reporting_levels"].initial = list(DEFAULT_REPORTING_LEVELS)


class ReasonForm(forms.Form):
    """退回 / 退回修改: why (the reporting region reads it)."""

    reason = forms.CharField(label=_("理由"), max_length=REASON_LIMIT, widget=forms.Textarea(attrs={"rows": 3}))
