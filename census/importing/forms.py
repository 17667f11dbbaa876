"""The upload form of census imports."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from census.registry.models import Campaign


class ImportUploadForm(forms.Form):
    """Upload a census spreadsheet for a campaign the user sees."""

    campaign = forms.ModelChoiceField(label=_("侨情调查"), queryset=Campaign.objects.none())
    file = forms.FileField(label=_("文件（.xlsx、.xls 或 .csv）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user).filter(is_open=True).select_related("region")
        first = self.fields["campaign"].queryset.first()
        if first is not None:
            self.fields["campaign"].initial = first.pk
