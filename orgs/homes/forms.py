"""Forms of the 侨胞之家 section of an organization's page (thin: the home services validate)."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from orgs.common.forms import DateInput
from orgs.homes.models import FIVE_CRITERIA, BuildApproach, DesignationKind, HomeKind
from orgs.homes.nominations import ACTIONS, action_label
from orgs.units.models import Unit


class HomeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("侨胞之家名称"), max_length=128)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=HomeKind.choices, initial=HomeKind.STANDARD, required=False)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=255, required=False,
                              help_text=gettext_lazy("网上侨胞之家可不填"))
    unit = forms.ModelChoiceField(label=gettext_lazy("所在单位"), queryset=Unit.objects.all(), required=False,
                                  help_text=gettext_lazy("驿站式必选：所在的机关、园区或企业；网上侨胞之家可选：参与的单位"))
    online_address = forms.CharField(label=gettext_lazy("网址或微信公众号"), max_length=128, required=False,
                                     help_text=gettext_lazy("网上侨胞之家必填"))
    area_sqm = forms.IntegerField(label=gettext_lazy("面积（平方米）"), min_value=0, max_value=1_000_000, required=False)
    opened_on = forms.DateField(label=gettext_lazy("启用日期"), widget=DateInput(), required=False)

    def limit_units(self, units) -> HomeForm:
        """The unit picker offers `units` (the caller's editable units at the organization's place)."""
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        return self


class NominationForm(forms.Form):
    """推荐 a 侨胞之家 for 示范单位 or an upgrade beyond 五有 (学习型、创新型、服务型、规范型、和谐型)."""

    kind = forms.ChoiceField(label=gettext_lazy("称号"), choices=DesignationKind.choices)
    date = forms.DateField(label=gettext_lazy("推荐日期"), widget=DateInput(), required=False)
    note = forms.CharField(label=gettext_lazy("推荐理由"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NominationStepForm(forms.Form):
    """One step of a nomination; the page offers only the steps the user may take (`nominations.allowed_steps`)."""

    action = forms.ChoiceField(label=gettext_lazy("办理"), choices=[(a, a) for a in ACTIONS])
    date = forms.DateField(label=gettext_lazy("日期"), widget=DateInput(), required=False)
    note = forms.CharField(label=gettext_lazy("意见或理由"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}), help_text=gettext_lazy("退回时必填"))
    awarded_by = forms.CharField(label=gettext_lazy("授予单位"), max_length=64, required=False,
                                 help_text=gettext_lazy("授予时填写；留空为本级侨联"))

    def __init__(self, *args, steps=None, **kwargs):
        super().__init__(*args, **kwargs)
        if steps is not None:
            self.fields["action"].choices = [(t.action, t.label) for t in steps]
        else:
            self.fields["action"].choices = [(a, action_label(a)) for a in ACTIONS]


APPROACH_CHOICES = [("", "—"), *BuildApproach.choices]


class AssessmentForm(forms.Form):
    """五有: each criterion met or not, with its evidence, how it was reached and who supported it (Jiangxi 9)."""

    assessed_on = forms.DateField(label=gettext_lazy("评估日期"), widget=DateInput())
    has_organization = forms.BooleanField(label=gettext_lazy("有组织"), required=False)
    organization_evidence = forms.CharField(label=gettext_lazy("有组织：依据"), max_length=255, required=False)
    organization_approach = forms.ChoiceField(label=gettext_lazy("有组织：建设方式"), choices=APPROACH_CHOICES, required=False)
    organization_supporters = forms.CharField(label=gettext_lazy("有组织：支持单位"), max_length=255, required=False)
    has_team = forms.BooleanField(label=gettext_lazy("有队伍"), required=False)
    team_evidence = forms.CharField(label=gettext_lazy("有队伍：依据"), max_length=255, required=False)
    team_approach = forms.ChoiceField(label=gettext_lazy("有队伍：建设方式"), choices=APPROACH_CHOICES, required=False)
    team_supporters = forms.CharField(label=gettext_lazy("有队伍：支持单位"), max_length=255, required=False)
    has_funding = forms.BooleanField(label=gettext_lazy("有经费"), required=False)
    funding_evidence = forms.CharField(label=gettext_lazy("有经费：依据"), max_length=255, required=False)
    funding_approach = forms.ChoiceField(label=gettext_lazy("有经费：建设方式"), choices=APPROACH_CHOICES, required=False)
    funding_supporters = forms.CharField(label=gettext_lazy("有经费：支持单位"), max_length=255, required=False)
    has_venue = forms.BooleanField(label=gettext_lazy("有阵地"), required=False)
    venue_evidence = forms.CharField(label=gettext_lazy("有阵地：依据"), max_length=255, required=False)
    venue_approach = forms.ChoiceField(label=gettext_lazy("有阵地：建设方式"), choices=APPROACH_CHOICES, required=False)
    venue_supporters = forms.CharField(label=gettext_lazy("有阵地：支持单位"), max_length=255, required=False)
    has_activities = forms.BooleanField(label=gettext_lazy("有活动"), required=False)
    activities_evidence = forms.CharField(label=gettext_lazy("有活动：依据"), max_length=255, required=False,
                                          help_text=gettext_lazy("留空时按近一年登记的活动次数自动填写"))
    activities_approach = forms.ChoiceField(label=gettext_lazy("有活动：建设方式"), choices=APPROACH_CHOICES, required=False)
    activities_supporters = forms.CharField(label=gettext_lazy("有活动：支持单位"), max_length=255, required=False,
                                            help_text=gettext_lazy("联合建、参与建、引导建须填写支持的党政机关、群团组织或侨胞侨企"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("assessed_on", timezone.localdate())

    @staticmethod
    def criteria(data: dict) -> dict[str, dict]:
        """The cleaned data as `home_assess` takes it: criteria {key: met}, evidence, approaches, supporters."""

        return {
            "criteria": {key: data.get(f"has_{key}", False) for key, _label in FIVE_CRITERIA},
            "evidence": {key: data.get(f"{key}_evidence", "") for key, _label in FIVE_CRITERIA},
            "approaches": {key: data.get(f"{key}_approach", "") for key, _label in FIVE_CRITERIA},
            "supporters": {key: data.get(f"{key}_supporters", "") for key, _label in FIVE_CRITERIA},
        }
