"""Forms of 机构登记与人员配备: they collect input; the services validate and write."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.common.documents import ALLOWED_SUFFIXES
from orgs.common.forms import DateInput
from orgs.organizations.models import Employment
from orgs.staffing.models import PostFunding
from orgs.staffing.workflow import ACTIONS


class EstablishmentStepForm(forms.Form):
    """One step of the office or credit-code procedure: only the steps possible now are offered."""

    action = forms.ChoiceField(label=gettext_lazy("办理步骤"), choices=())
    date = forms.DateField(label=gettext_lazy("日期"), widget=DateInput())
    code = forms.CharField(label=gettext_lazy("统一社会信用代码"), max_length=32, required=False,
                           help_text=gettext_lazy("仅“赋予统一社会信用代码”一步填写：18 位，含校验码"))
    note = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.FileField(
        label=gettext_lazy("附件"), required=False,
        help_text=gettext_lazy("PDF、图片或 Office 文件（%(types)s）") % {"types": " ".join(ALLOWED_SUFFIXES)},
    )

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Every step of the table is accepted by the field (the service says why one is refused); the possible ones are offered.
        self.fields["action"].choices = [(a.action, a.label) for a in ACTIONS]
        self.fields["action"].widget.choices = [("", _("请选择…"))] + [(a.action, a.label) for a in actions]
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())


class ResponsibleSectionForm(forms.Form):
    responsible_section = forms.CharField(
        label=gettext_lazy("负责侨联日常工作的统战部科室"), max_length=64, required=False,
        help_text=gettext_lazy("暂未设立办事机构时填写，如“县委统战部侨务科”"),
    )


class StaffPostForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("岗位"), max_length=64)
    holder = forms.CharField(label=gettext_lazy("在岗人员"), max_length=64, required=False)
    employment = forms.ChoiceField(label=gettext_lazy("专兼职"), choices=Employment.choices)
    funding = forms.ChoiceField(label=gettext_lazy("保障方式"), choices=PostFunding.choices)
    is_returned_or_relative = forms.BooleanField(label=gettext_lazy("归侨侨眷"), required=False)
