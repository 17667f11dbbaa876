"""Forms of 督查考核: the scoring sheet (items and grades typed one per line, "名称|分值") and the entry of one
organization's scores (one field per item of the applicable sheet). They only parse; the services judge."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.common.forms import DateInput, ScopedFormMixin
from orgs.regions.forms import ScopedRegionField

DEFAULT_GRADES = "优秀|90\n良好|80\n合格|60\n不合格|0"


def parse_lines(text: str, label: str) -> list[tuple[str, str]]:
    """"标题|数值" per line (a full-width ｜ or a tab also separates); blank lines skipped."""
    rows: list[tuple[str, str]] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        for separator in ("|", "｜", "\t"):
            if separator in line:
                title, _sep, value = line.rpartition(separator)
                break
        else:
            raise ValidationError(_("第 %(n)d 行“%(line)s”应写成“%(label)s|数值”"), params={"n": number, "line": line, "label": label})
        rows.append((title.strip(), value.strip()))
    return rows


class SheetForm(ScopedFormMixin, forms.Form):
    region = ScopedRegionField(label=_("制定单位所在区划"))
    year = forms.IntegerField(label=_("考核年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("名称"), max_length=128)
    items = forms.CharField(
        label=_("考核项目"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("每行一项：考核项目|分值，如“组织建设|30”"),
    )
    grades = forms.CharField(
        label=_("等次标准"), widget=forms.Textarea(attrs={"rows": 4}), initial=DEFAULT_GRADES,
        help_text=_("每行一个等次，从高到低：等次|最低分；最后一个等次的最低分为 0"),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # a sheet keeps its region and year
            del self.fields["region"]
            del self.fields["year"]

    def clean_items(self):
        return parse_lines(self.cleaned_data["items"], _("考核项目"))

    def clean_grades(self):
        return parse_lines(self.cleaned_data["grades"], _("等次"))


class SheetCopyForm(forms.Form):
    year = forms.IntegerField(label=_("新评分表的考核年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("名称"), max_length=128, required=False)


class AssessmentForm(forms.Form):
    """The scores of one organization on `sheet`: one field `item_<pk>` per item (bounded in the browser; the
    service refuses a score outside 0 … the item's maximum)."""

    assessed_on = forms.DateField(label=_("考核日期"), widget=DateInput())
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, sheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessed_on"].initial = timezone.localdate()
        self.item_fields = []
        for item in sheet.items.all():
            name = f"item_{item.pk}"
            self.fields[name] = forms.DecimalField(
                label=f"{item.title}（{item.max_points}）", decimal_places=1, max_digits=6,
                widget=forms.NumberInput(attrs={"min": 0, "max": item.max_points, "step": "0.1"}),
            )
            self.item_fields.append((item.pk, name))
        self.order_fields([name for _pk, name in self.item_fields] + ["assessed_on", "note"])

    def scores(self) -> dict[int, object]:
        return {pk: self.cleaned_data.get(name) for pk, name in self.item_fields}
