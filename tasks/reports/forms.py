"""The request form of progress reports: region (in scope), format, date."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.common.forms import DateInput
from orgs.regions.models import Region, RegionLevel
from tasks.reports.models import ReportFormat

REGION_CHOICES_LIMIT = 400


class ReportRequestForm(forms.Form):
    region = forms.CharField(label=gettext_lazy("报告范围"), max_length=12,
                             widget=forms.TextInput(attrs={"placeholder": gettext_lazy("区划代码，如 530400")}))
    format = forms.ChoiceField(label=gettext_lazy("格式"), choices=ReportFormat.choices)
    as_of = forms.DateField(label=gettext_lazy("统计截止日期"), required=False, widget=DateInput())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        regions = (
            Region.objects.visible_to(user).filter(level__in=(RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY))
            .order_by("tree_id", "lft").values_list("code", "full_name", "name")[: REGION_CHOICES_LIMIT + 1]
        )
        rows = list(regions)
        if len(rows) <= REGION_CHOICES_LIMIT:
            self.fields["region"].widget = forms.Select(choices=[(code, full or name) for code, full, name in rows])

    def clean_as_of(self):
        as_of = self.cleaned_data.get("as_of")
        if as_of and as_of > timezone.localdate():
            raise forms.ValidationError(_("统计截止日期 %(d)s 晚于今天") % {"d": as_of.isoformat()})
        return as_of

    def clean_region(self):
        code = self.cleaned_data["region"].strip()
        region = Region.objects.visible_to(self.user).filter(code=code).first()
        if region is None:
            raise forms.ValidationError(_("区划代码“%(code)s”不存在或不在您的管辖范围内") % {"code": code})
        return region
