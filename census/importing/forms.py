"""The forms of census imports: the upload, and what the file's columns mean."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from census.importing.columns import PERSON_COLUMNS, column_key
from census.registry.models import Campaign
from orgs.common.forms import ScopedFormMixin
from orgs.regions.forms import ScopedRegionField


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


def field_choices() -> list[tuple[str, str]]:
    """忽略, then each field of the schema by its Chinese header (the required ones marked)."""
    return [
        ("", str(_("忽略"))),
        *((c.key, str(_("%(field)s（必填）") % {"field": c.header}) if c.required else c.header) for c in PERSON_COLUMNS),
    ]


class ColumnMappingForm(forms.Form):
    """What each column of the uploaded file means: one choice per column (a field of ours, or 忽略), first as
    the file was read (the import's mapping, else the headers we know)."""

    def __init__(self, *args, columns: list[str], mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = list(columns)
        choices = field_choices()
        for index, text in enumerate(self.columns):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=text, choices=choices, required=False, initial=column_key(text, mapping)
            )

    def mapping(self) -> dict[str, str]:
        """{header text: schema key or ""} as chosen (call after is_valid())."""
        return {text: self.cleaned_data[f"column_{index}"] for index, text in enumerate(self.columns)}


class UnitImportUploadForm(ScopedFormMixin, forms.Form):
    """Upload a unit list (单位名录). The places in the file must lie in the import's region (by default the
    user's own)."""

    file = forms.FileField(label=_("文件（.xlsx、.xls 或 .csv）"))
    region = ScopedRegionField(
        label=_("导入范围"), required=False,
        help_text=_("文件中的所在区划须在此区划之内；留空为您的管辖区划。填写区划代码或全称，如 530423"),
    )
