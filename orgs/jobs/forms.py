"""The filter of 后台任务: one status, the unfinished ones (the default), or all."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.jobs.models import JobStatus
from orgs.jobs.selectors import ALL, UNFINISHED


class JobFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False,
        choices=[(UNFINISHED, _("未完成")), *JobStatus.choices, (ALL, _("全部"))],
    )

    def chosen_status(self) -> str:
        """The status asked for; a value the form does not know is ignored (the default), as page filters are."""
        return self.cleaned_data.get("status", UNFINISHED) if self.is_valid() else UNFINISHED
