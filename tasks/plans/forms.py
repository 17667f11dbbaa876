"""Forms of the task pages (thin: the services validate)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.access.models import Membership
from orgs.common.forms import DateInput
from orgs.regions.models import Region
from tasks.plans.models import Milestone, Plan, TaskStatus

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
        help_text=_("每行一人：姓名 联系方式"),
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
