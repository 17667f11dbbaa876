"""Forms of the 侨胞之家 section of an organization's page (thin: the home services validate)."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from orgs.common.forms import DateInput
from orgs.homes.models import FIVE_CRITERIA, DesignationKind


class HomeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("侨胞之家名称"), max_length=128)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=255, required=False)
    area_sqm = forms.IntegerField(label=gettext_lazy("面积（平方米）"), min_value=0, max_value=1_000_000, required=False)
    opened_on = forms.DateField(label=gettext_lazy("启用日期"), widget=DateInput(), required=False)


class DesignationForm(forms.Form):
    """示范单位 or an upgrade beyond 五有 (学习型、创新型、服务型、规范型、和谐型)."""

    kind = forms.ChoiceField(label=gettext_lazy("称号"), choices=DesignationKind.choices)
    awarded_on = forms.DateField(label=gettext_lazy("授予日期"), widget=DateInput())
    awarded_by = forms.CharField(label=gettext_lazy("授予单位"), max_length=64, required=False)


class AssessmentForm(forms.Form):
    """五有: each criterion met or not, with its evidence."""

    assessed_on = forms.DateField(label=gettext_lazy("评估日期"), widget=DateInput())
    has_organization = forms.BooleanField(label=gettext_lazy("有组织"), required=False)
    organization_evidence = forms.CharField(label=gettext_lazy("有组织：依据"), max_length=255, required=False)
    has_team = forms.BooleanField(label=gettext_lazy("有队伍"), required=False)
    team_evidence = forms.CharField(label=gettext_lazy("有队伍：依据"), max_length=255, required=False)
    has_funding = forms.BooleanField(label=gettext_lazy("有经费"), required=False)
    funding_evidence = forms.CharField(label=gettext_lazy("有经费：依据"), max_length=255, required=False)
    has_venue = forms.BooleanField(label=gettext_lazy("有阵地"), required=False)
    venue_evidence = forms.CharField(label=gettext_lazy("有阵地：依据"), max_length=255, required=False)
    has_activities = forms.BooleanField(label=gettext_lazy("有活动"), required=False)
    activities_evidence = forms.CharField(label=gettext_lazy("有活动：依据"), max_length=255, required=False,
                                          help_text=gettext_lazy("留空时按近一年登记的活动次数自动填写"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("assessed_on", timezone.localdate())

    @staticmethod
    def criteria(data: dict) -> tuple[dict, dict]:
        """The cleaned data as `home_assess` takes it: {key: met} and {key: evidence}."""

        return (
            {key: data.get(f"has_{key}", False) for key, _label in FIVE_CRITERIA},
            {key: data.get(f"{key}_evidence", "") for key, _label in FIVE_CRITERIA},
        )
