"""The policy form (建会门槛). It only collects and shapes input; `census.coverage.policies` checks it (its
ValidationErrors are put back on the fields by `apply_errors`) and saves it."""
from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from census.coverage.models import Policy
from census.coverage.policies import (
    BELOW_THRESHOLD_OPTIONS,
    FIXED_AFTER_CREATION,
    POLICY_FIELDS,
    POLICY_RULES,
    jurisdiction_choices,
)
from census.registry.models import Category
from orgs.common.forms import DateInput
from orgs.regions.models import Region
from orgs.regions.selectors import region_by_code

# The jurisdiction is a drop-down up to this many regions (a province's cities and counties), else a code.
JURISDICTION_CHOICES_LIMIT = 400
CLAUSE_PREFIX = "clause_"


def _threshold(label) -> forms.IntegerField:
    # No bounds here: the service says what is wrong, in the same words for the pages and the API.
    return forms.IntegerField(label=label, widget=forms.NumberInput(attrs={"min": 1, "step": 1}))


class PolicyForm(forms.Form):
    """A policy's fields; the key and the jurisdiction only when it is created (fixed afterwards)."""

    name = forms.CharField(label=gettext_lazy("名称"), help_text=gettext_lazy("方案或指导意见的名称，如“玉溪市关于加强侨联组织建设工作实施方案”"))
    short_name = forms.CharField(label=gettext_lazy("简称"), help_text=gettext_lazy("应建理由中引用，如“玉溪方案”"))
    key = forms.CharField(label=gettext_lazy("标识"), required=False,
                          help_text=gettext_lazy("字母、数字和连字符；留空自动生成。创建后不能修改"))
    jurisdiction = forms.CharField(label=gettext_lazy("适用区域"), required=False, max_length=12,
                                   help_text=gettext_lazy("区划代码；留空为全国默认门槛（仅系统管理员）。创建后不能修改"))
    effective_from = forms.DateField(label=gettext_lazy("生效日期"), required=False, widget=DateInput(),
                                     help_text=gettext_lazy("留空表示一直有效"))
    effective_to = forms.DateField(label=gettext_lazy("失效日期"), required=False, widget=DateInput(),
                                   help_text=gettext_lazy("留空表示长期有效"))
    township_threshold = _threshold(gettext_lazy("乡镇(街道)门槛（人）"))
    village_threshold = _threshold(gettext_lazy("村(社区)门槛（人）"))
    unit_threshold = _threshold(gettext_lazy("单位门槛（人）"))
    two_new_upper_threshold = _threshold(gettext_lazy("两新组织市县负责人数（人）"))
    county_always_required = forms.BooleanField(label=gettext_lazy("每个县(市、区)均须成立县级侨联"), required=False)
    key_area_always_required = forms.BooleanField(label=gettext_lazy("重点侨务地区不论人数均须成立"), required=False)
    counted_categories = forms.MultipleChoiceField(
        label=gettext_lazy("计入门槛的类别"), choices=Category.choices, widget=forms.CheckboxSelectMultiple, required=False,
    )
    below_threshold_options = forms.MultipleChoiceField(
        label=gettext_lazy("门槛以下建议形式"), choices=[(o, o) for o in BELOW_THRESHOLD_OPTIONS],
        widget=forms.CheckboxSelectMultiple, required=False,
    )
    below_threshold_other = forms.CharField(
        label=gettext_lazy("其他形式"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("每行一种，按方案原文填写"),
    )
    source = forms.CharField(label=gettext_lazy("原文摘录"), required=False, widget=forms.Textarea(attrs={"rows": 5}))

    FIELDSETS = (
        (gettext_lazy("基本信息"), ("name", "short_name", "key", "jurisdiction", "effective_from", "effective_to")),
        (gettext_lazy("门槛（含本数）"), ("township_threshold", "village_threshold", "unit_threshold", "two_new_upper_threshold",
                                   "county_always_required", "key_area_always_required")),
        (gettext_lazy("计入门槛的类别"), ("counted_categories",)),
        (gettext_lazy("门槛以下的建议形式"), ("below_threshold_options", "below_threshold_other")),
        (gettext_lazy("条款出处"), tuple(f"{CLAUSE_PREFIX}{rule}" for rule in POLICY_RULES)),
        (gettext_lazy("原文摘录"), ("source",)),
    )

    def __init__(self, *args, user, policy: Policy | None = None, template: Policy | None = None, **kwargs):
        """`policy`: the policy changed (None: a new one); `template`: a policy whose values a new one starts from."""
        super().__init__(*args, **kwargs)
        self.policy = policy
        for rule, label in POLICY_RULES.items():
            self.fields[f"{CLAUSE_PREFIX}{rule}"] = forms.CharField(label=label, required=False)
        self.fields["two_new_upper_threshold"].help_text = _("达到此人数的两新组织由市、县级侨联负责，其余由乡镇(街道)侨联负责")
        self.fields["counted_categories"].label = ""
        self.fields["below_threshold_options"].label = ""
        self.fields["source"].label = ""
        if policy is not None:
            for field in FIXED_AFTER_CREATION:
                del self.fields[field]
        else:
            options = jurisdiction_choices(user, JURISDICTION_CHOICES_LIMIT)
            if options is not None:
                self.fields["jurisdiction"].widget = forms.Select(choices=options)
                self.fields["jurisdiction"].help_text = _("本门槛在所选区域及其下级施行（下级另有门槛的除外）。创建后不能修改")
        if not self.is_bound:
            source = policy or template
            if source is not None:
                self.initial.update(self.initial_from(source, copying=policy is None))

    @staticmethod
    def initial_from(policy: Policy, *, copying: bool) -> dict[str, Any]:
        """The form's values for `policy`; `copying` (a new policy started from another) keeps only its rules."""
        initial: dict[str, Any] = {
            field: getattr(policy, field) for field in POLICY_FIELDS if field not in ("jurisdiction", "below_threshold_options", "clauses")
        }
        initial["jurisdiction"] = policy.jurisdiction.code if policy.jurisdiction else ""
        known = [o for o in policy.below_threshold_options if o in BELOW_THRESHOLD_OPTIONS]
        initial["below_threshold_options"] = known
        initial["below_threshold_other"] = "\n".join(o for o in policy.below_threshold_options if o not in BELOW_THRESHOLD_OPTIONS)
        for rule in POLICY_RULES:
            initial[f"{CLAUSE_PREFIX}{rule}"] = (policy.clauses or {}).get(rule, "")
        if copying:
            for field in ("key", "name", "short_name", "jurisdiction", "effective_from", "effective_to", "source"):
                initial.pop(field, None)
            initial.update({f"{CLAUSE_PREFIX}{rule}": "" for rule in POLICY_RULES})
        return initial

    def fieldsets(self):
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in self.FIELDSETS]

    def clean_jurisdiction(self) -> Region | None:
        code = self.cleaned_data["jurisdiction"].strip()
        if not code:
            return None
        region = region_by_code(code)
        if region is None:
            raise ValidationError(_("区划代码“%(code)s”不存在") % {"code": code})
        return region

    def policy_data(self) -> dict[str, Any]:
        """The cleaned values as `census.coverage.policies` takes them."""
        data = self.cleaned_data
        values = {field: data[field] for field in POLICY_FIELDS if field in data}
        values["below_threshold_options"] = [
            *data.get("below_threshold_options", []),
            *(line for line in data.get("below_threshold_other", "").splitlines() if line.strip()),
        ]
        values["clauses"] = {rule: data.get(f"{CLAUSE_PREFIX}{rule}", "") for rule in POLICY_RULES}
        return values
