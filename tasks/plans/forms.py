"""Forms of the task pages (thin: the services validate)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from census.coverage.models import PlaceLevel
from orgs.access.models import Membership
from orgs.common.forms import DateInput, ScopedFormMixin
from orgs.regions.forms import ScopedRegionField
from orgs.regions.models import Region, RegionLevel
from orgs.units.models import Unit
from tasks.plans.models import Milestone, Plan, Recurrence, TargetRule, TaskStatus
from tasks.plans.selectors import plan_templates

if TYPE_CHECKING:  # pragma: no cover
    from django.contrib.auth.models import User

DOCUMENT_HELP = _("PDF、PNG/JPEG 图片或 Office 文件，不超过 10 MB")


class TaskUpdateForm(forms.Form):
    note = forms.CharField(label=_("进展"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    attachment = forms.FileField(label=_("附件"), required=False, help_text=DOCUMENT_HELP)


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=TaskStatus.choices)
    completed_on = forms.DateField(label=_("完成日期"), required=False, widget=DateInput())
    evidence = forms.CharField(label=_("完成佐证"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    evidence_file = forms.FileField(label=_("佐证材料"), required=False, help_text=DOCUMENT_HELP)
    note = forms.CharField(label=_("说明"), required=False)


class TaskCreateForm(forms.Form):
    """新建任务: a task of a plan the user sees, in a region the user may change, with its responsible persons."""

    # Querysets set in __init__ (the user's scope).
    plan: forms.ModelChoiceField[Plan] = forms.ModelChoiceField(label=_("实施方案"), queryset=None)
    milestone: forms.ModelChoiceField[Milestone] = forms.ModelChoiceField(label=_("时间节点"), queryset=None, required=False)
    title = forms.CharField(label=_("任务"), max_length=200)
    region = forms.CharField(label=_("所在区划代码"), max_length=12, help_text=_("如 530423（通海县）"))
    deadline = forms.DateField(label=_("完成时限"), widget=DateInput())
    responsible_unit = forms.CharField(label=_("责任单位"), max_length=128, required=False)
    responsible_users: forms.ModelMultipleChoiceField[User] = forms.ModelMultipleChoiceField(
        label=_("责任人（系统用户）"), queryset=None, required=False
    )
    contacts = forms.CharField(
        label=_("其他责任人"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("没有账号的责任人，每行一人：姓名 单位或职务（不写电话或证件号码）"),
    )
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["plan"].queryset = Plan.objects.visible_to(user).filter(is_open=True).order_by("-issued_on", "pk")
        self.fields["milestone"].queryset = Milestone.objects.visible_to(user).select_related("plan").order_by("deadline", "pk")
        self.fields["responsible_users"].queryset = get_user_model().objects.filter(
            memberships__in=Membership.objects.editable_by(user)).distinct().order_by("username")
        self.fields["responsible_users"].label_from_instance = lambda u: f"{u.get_full_name() or u.username}（{u.username}）"
        if not self.initial.get("plan"):
            self.initial["plan"] = self.fields["plan"].queryset.values_list("pk", flat=True).first()

    def clean_region(self):

        code = self.cleaned_data["region"].strip()
        region = Region.objects.editable_by(self.user).filter(code=code).first()
        if region is None:
            raise forms.ValidationError(_("区划代码 %(code)s 不存在或不在您可管理的范围内") % {"code": code})
        return region

    def clean_contacts(self):
        contacts = []
        for line in self.cleaned_data["contacts"].splitlines():
            parts = line.strip().split(None, 1)
            if parts:
                contacts.append({"name": parts[0], "contact": parts[1] if len(parts) > 1 else ""})
        return contacts

    def clean(self):
        cleaned = super().clean()
        plan, milestone = cleaned.get("plan"), cleaned.get("milestone")
        if plan and milestone and milestone.plan_id != plan.pk:
            self.add_error("milestone", _("时间节点“%(m)s”不属于所选方案") % {"m": milestone.name})
        return cleaned


# ---- plans written in the product -------------------------------------------------------------------------


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.title}（{obj.scope_region.name}）"


class PlanForm(ScopedFormMixin, forms.Form):
    """实施方案: a new plan (region, optionally copied from a template) or the changes of one."""

    title = forms.CharField(label=_("标题"), max_length=200)
    region = ScopedRegionField(label=_("适用区划"))
    template = PlanChoiceField(
        label=_("以模板为基础"), queryset=Plan.objects.none(), required=False,
        help_text=_("复制模板的原文和全部时间节点（不含任务）"),
    )
    issuing_body = forms.CharField(label=_("发文单位"), max_length=128, required=False)
    document_number = forms.CharField(label=_("文号"), max_length=64, required=False)
    issued_on = forms.DateField(label=_("印发日期"), required=False, widget=DateInput())
    source_text = forms.CharField(label=_("原文"), required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, user, creating: bool = True, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if creating:
            template_field = self.fields["template"]
            assert isinstance(template_field, forms.ModelChoiceField)
            template_field.queryset = plan_templates(user)
        else:
            del self.fields["region"], self.fields["template"]


class MilestoneForm(forms.Form):
    """时间节点: deadline, the rule choosing the places that get a task, and the plan's wording of 责任单位 / 责任人."""

    name = forms.CharField(label=_("名称"), max_length=200)
    deadline = forms.DateField(label=_("完成时限"), widget=DateInput())
    target_rule = forms.ChoiceField(label=_("任务对象"), choices=TargetRule.choices, required=False)
    task_level = forms.ChoiceField(
        label=_("区划层级"), required=False, choices=[("", "—"), *((value, label) for value, label in RegionLevel.choices if value != RegionLevel.PROVINCE)],
        help_text=_("“该层级的每个区划”“每个下级区划制定子方案”用；“每个重点侨务地区”可选，限定层级"),
    )
    gap_levels = forms.MultipleChoiceField(
        label=_("应建层级"), required=False, choices=PlaceLevel.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("“应建未建的地点”用；也决定今后新达到门槛的地点的任务归入哪个时间节点"),
    )
    key_areas_only = forms.BooleanField(label=_("仅重点侨务地区"), required=False)
    other_areas_only = forms.BooleanField(label=_("仅非重点地区"), required=False)
    target_regions = forms.CharField(
        label=_("指定区划"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("“指定的区划或单位”用：区划代码或全称，每行一个，或以逗号、顿号分隔"),
    )
    target_units = forms.CharField(
        label=_("指定单位"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("单位名称，每行一个"),
    )
    task_title = forms.CharField(label=_("任务标题"), max_length=200, required=False, help_text=_("可用 {region}、{county}、{year}"))
    task_responsible_unit = forms.CharField(
        label=_("责任单位"), max_length=128, required=False, help_text=_("按方案原文，如“{county}委统战部”"),
    )
    task_responsible_person = forms.CharField(
        label=_("责任人"), max_length=128, required=False, help_text=_("按方案原文，如“{county}委统战部部长”"),
    )
    recurrence = forms.ChoiceField(label=_("重复"), choices=Recurrence.choices, required=False)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan

    def clean_target_regions(self):
        tokens = [t for t in re.split(r"[\s,，、;；]+", self.cleaned_data["target_regions"]) if t]
        if not tokens:
            return []
        found = Region.objects.within(self.plan.scope_region).filter(Q(code__in=tokens) | Q(full_name__in=tokens))
        by_token = {r.code: r for r in found} | {r.full_name: r for r in found}
        unknown = [t for t in tokens if t not in by_token]
        if unknown:
            raise forms.ValidationError(_("不存在或不在方案区划内：%(names)s") % {"names": "、".join(unknown[:10])})
        return list({by_token[t].pk: by_token[t] for t in tokens}.values())

    def clean_target_units(self):
        names = [line.strip() for line in self.cleaned_data["target_units"].splitlines() if line.strip()]
        if not names:
            return []
        units: dict[str, list[Unit]] = {}
        for unit in Unit.objects.within(self.plan.scope_region).filter(name__in=names).select_related("region"):
            units.setdefault(unit.name, []).append(unit)
        unknown = [n for n in names if n not in units]
        if unknown:
            raise forms.ValidationError(_("单位不存在或不在方案区划内：%(names)s") % {"names": "、".join(unknown[:10])})
        twice = [n for n in names if len(units[n]) > 1]
        if twice:
            raise forms.ValidationError(_("有多个同名单位，请在单位名录中区分：%(names)s") % {"names": "、".join(twice[:10])})
        return [units[n][0] for n in dict.fromkeys(names)]


def milestone_initial(milestone: Milestone) -> dict:
    initial = {f: getattr(milestone, f) for f in MilestoneForm.base_fields if f not in ("target_regions", "target_units")}
    initial["target_regions"] = "\n".join(r.full_name for r in milestone.target_regions.order_by("code"))
    initial["target_units"] = "\n".join(u.name for u in milestone.target_units.order_by("name"))
    return initial
