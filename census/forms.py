"""Forms of the census pages. Region and unit pickers only accept what the user may edit."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orgs.forms import DateInput
from orgs.models import Region, Unit

from .models import FLAG_FIELDS, Campaign, Category, Gender, Person


class ScopedRegionField(forms.CharField):
    """A region typed as its code or full name ("530423101" or "云南省玉溪市通海县河西镇"),
    accepted only inside the user's editable scope. Province scopes hold tens of thousands of
    regions: a text field with suggestions, not a select with every option."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("help_text", _("填写区划代码或全称，如 530423101 或 云南省玉溪市通海县河西镇"))
        super().__init__(*args, **kwargs)
        self.user = None

    def prepare_value(self, value):
        if isinstance(value, Region):
            return value.code
        if isinstance(value, int):
            region = Region.objects.filter(pk=value).only("code").first()
            return region.code if region else value
        return value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        text = text.replace(" ", "")
        region = Region.objects.filter(code=text).first() or Region.objects.filter(full_name=text).first()
        if region is None:
            raise ValidationError(_("区划“%(value)s”不存在"), params={"value": text})
        if not Region.objects.editable_by(self.user).filter(pk=region.pk).exists():
            raise ValidationError(_("区划“%(value)s”不在您的管辖范围内"), params={"value": region.full_name})
        return region


class ScopedUnitField(forms.CharField):
    """A unit typed by name, accepted only among the units the user may edit."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 128)
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.user = None

    def prepare_value(self, value):
        if isinstance(value, Unit):
            return value.name
        if isinstance(value, int):
            unit = Unit.objects.filter(pk=value).only("name").first()
            return unit.name if unit else value
        return value

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        units = list(Unit.objects.editable_by(self.user).filter(name=text)[:2])
        if not units:
            raise ValidationError(_("单位“%(value)s”不存在或不在您的管辖范围内"), params={"value": text})
        if len(units) > 1:
            raise ValidationError(_("有多个名为“%(value)s”的单位，请先在单位名录中区分"), params={"value": text})
        return units[0]


class ScopedFormMixin:
    """Gives scoped fields the user they check against."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, (ScopedRegionField, ScopedUnitField)):
                field.user = user


class PersonForm(ScopedFormMixin, forms.Form):
    """Register or edit a person. The ID is required on registration, optional (unchanged) on edit."""

    name = forms.CharField(label=_("姓名"), max_length=64)
    id_number = forms.CharField(label=_("身份证号码"), max_length=32, required=False)
    gender = forms.ChoiceField(label=_("性别"), choices=[("", _("按身份证号码")), *Gender.choices], required=False)
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=DateInput())
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    region = ScopedRegionField(label=_("居住地"))
    unit = ScopedUnitField(label=_("工作单位"))
    country = forms.CharField(label=_("侨居国(地区)"), max_length=64, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=24, required=False)
    is_needy = forms.BooleanField(label=_("困难群众"), required=False)
    is_left_behind_child = forms.BooleanField(label=_("留守儿童"), required=False)
    is_empty_nest_elderly = forms.BooleanField(label=_("空巢老人"), required=False)
    is_high_level_talent = forms.BooleanField(label=_("高层次人才"), required=False)
    is_new_overseas = forms.BooleanField(label=_("新侨"), required=False)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, creating: bool, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.creating = creating
        if creating:
            self.fields["id_number"].required = True
        else:
            self.fields["id_number"].help_text = _("留空表示不修改；已登记号码：%(masked)s") % {
                "masked": (kwargs.get("initial") or {}).get("id_number_masked", "")
            }

    @staticmethod
    def initial_for(person: Person) -> dict:
        return {
            **{f: getattr(person, f) for f in ("name", "gender", "birth_date", "category", "country", "notes", *FLAG_FIELDS)},
            "region": person.region,
            "unit": person.unit,
            "phone": person.phone,
            "id_number_masked": person.id_number_masked,
        }


class TransferForm(ScopedFormMixin, forms.Form):
    """迁移: move a person to another region in the user's scope."""

    to_region = ScopedRegionField(label=_("迁入地"))
    note = forms.CharField(label=_("说明"), max_length=255, required=False)


class ImportUploadForm(forms.Form):
    """Upload a census spreadsheet for a campaign the user sees."""

    campaign = forms.ModelChoiceField(label=_("侨情调查"), queryset=Campaign.objects.none())
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user).filter(is_open=True).select_related("region")
        first = self.fields["campaign"].queryset.first()
        if first is not None:
            self.fields["campaign"].initial = first.pk
