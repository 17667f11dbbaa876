"""Forms of the registry pages. Region and unit pickers only accept what the user may edit."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from census.registry.models import FLAG_FIELDS, Category, DocumentType, Gender, Person
from orgs.common.forms import DateInput, ScopedFormMixin
from orgs.regions.forms import ScopedRegionField
from orgs.units.forms import ScopedUnitField
from orgs.units.models import TWO_NEW_KINDS, Unit, UnitKind


class PersonForm(ScopedFormMixin, forms.Form):
    """Register or edit a person. The document number is required on registration, optional (unchanged) on
    edit; sex and birth date come from a number that carries them, else they are required (the service says)."""

    name = forms.CharField(label=_("姓名"), max_length=64)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=DocumentType.choices, initial=DocumentType.RESIDENT_ID)
    id_number = forms.CharField(label=_("证件号码"), max_length=32, required=False)
    gender = forms.ChoiceField(label=_("性别"), choices=[("", _("按证件号码")), *Gender.choices], required=False)
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
        initial = kwargs.get("initial") or {}
        # On edit, a user who may not reveal is shown the stored phone masked: sent back unchanged, it keeps the
        # stored number (clean_phone); only users with census.reveal_id_number see and edit the full value.
        self.phone_masked = initial.get("phone_masked", "") if not creating else ""
        if creating:
            self.fields["id_number"].required = True
        else:
            self.fields["id_number"].help_text = _("留空表示不修改；已登记号码：%(masked)s") % {
                "masked": initial.get("id_number_masked", "")
            }
            if self.phone_masked:
                self.fields["phone"].help_text = _("显示为隐藏中间位的号码；不修改则保留原号码")

    @staticmethod
    def initial_for(person: Person, *, user) -> dict:
        """The stored values as the form shows them to `user`: the phone in full only with the reveal permission,
        the document number never (it is typed anew to change it)."""
        full_phone = user.has_perm("census.reveal_id_number")
        return {
            **{f: getattr(person, f) for f in ("name", "id_type", "gender", "birth_date", "category", "country", "notes", *FLAG_FIELDS)},
            "region": person.region,
            "unit": person.unit,
            "phone": person.phone if full_phone else person.phone_masked,
            "phone_masked": "" if full_phone else person.phone_masked,
            "id_number_masked": person.id_number_masked,
        }

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        return None if self.phone_masked and phone.strip() == self.phone_masked else phone

    def changes(self) -> dict:
        """The cleaned data without the phone when it was left as shown masked (the stored number stays)."""
        data = dict(self.cleaned_data)
        if data.get("phone") is None:
            data.pop("phone", None)
        return data


class DocumentLinkForm(forms.Form):
    """关联证件: another identity document of the same person."""

    id_type = forms.ChoiceField(label=_("证件类型"), choices=DocumentType.choices)
    id_number = forms.CharField(label=_("证件号码"), max_length=32)


class TransferForm(ScopedFormMixin, forms.Form):
    """迁移: move a person to another region in the user's scope."""

    to_region = ScopedRegionField(label=_("迁入地"))
    note = forms.CharField(label=_("说明"), max_length=255, required=False)


TWO_NEW_CHOICES = (("", _("按单位类别判断")), ("true", _("是")), ("false", _("否")))


class UnitForm(ScopedFormMixin, forms.Form):
    """Register or edit a unit (单位). The region is picked by code or full name inside the editable scope; the
    credit code is checked by the service (GB 32100); 两新组织 follows the kind unless said."""

    name = forms.CharField(label=_("单位名称"), max_length=128)
    kind = forms.ChoiceField(label=_("单位类别"), choices=UnitKind.choices)
    region = ScopedRegionField(label=_("所在区划"))
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=32, required=False, help_text=_("18 位，可空"))
    is_two_new = forms.TypedChoiceField(
        label=_("两新组织"), choices=TWO_NEW_CHOICES, required=False, empty_value=None,
        coerce=lambda value: value == "true", help_text=_("新经济组织和新社会组织；按类别判断时，非公有制经济组织和社会组织为两新组织"),
    )

    @staticmethod
    def initial_for(unit: Unit) -> dict:
        return {
            "name": unit.name, "kind": unit.kind, "region": unit.region, "credit_code": unit.credit_code,
            "is_two_new": "true" if unit.is_two_new else "false",
        }

    def changes(self) -> dict:
        """What the service is given (call after is_valid()): 两新组织 left to the kind follows the kind."""
        data = dict(self.cleaned_data)
        if data["is_two_new"] is None:
            data["is_two_new"] = data["kind"] in TWO_NEW_KINDS
        return data


class UnitMergeSearchForm(forms.Form):
    """合并到本单位, first step: the other unit, looked for by name or credit code."""

    q = forms.CharField(label=_("要并入的单位"), max_length=128, help_text=_("输入单位名称中的文字或统一社会信用代码"))
