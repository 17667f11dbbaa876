"""Serializers of the registry API. They validate and shape; persons are written by the services.

A person is never serialized with the full document number or phone: reads carry `id_type`,
`id_number_masked` and `phone_masked`, writes take `id_number` and `phone` write-only; only the audited
`reveal` action returns them."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from census.registry.models import Campaign, Category, DocumentType, Gender, Person, PersonEvent
from orgs.access.api import ScopedRelatedMixin
from orgs.common.identifiers import (
    IdentifierError,
    mask_phone,
    validate_document,
    validate_uscc,
)
from orgs.regions.api import EditableRegionField, RegionBriefSerializer
from orgs.units.models import Unit

if TYPE_CHECKING:  # pragma: no cover
    from django.contrib.auth.models import User

    from orgs.regions.models import Region


class EditableUnitField(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": _("单位“{pk_value}”不存在或不在您的管辖范围内"),
        "incorrect_type": _("单位编号应为整数"),
    }


class VisibleCampaignField(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField):
    scope = "visible"
    default_error_messages = {
        "does_not_exist": _("侨情调查“{pk_value}”不存在"),
        "incorrect_type": _("侨情调查编号应为整数"),
    }


# Units ---------------------------------------------------------------------------------------------


class UnitSerializer(serializers.ModelSerializer):
    """单位. The region by code (within the caller's editable scope); the credit code checked (GB 32100)."""

    region = EditableRegionField()
    region_name = serializers.CharField(source="region.full_name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    is_two_new = serializers.BooleanField(required=False, help_text=_("不填时按单位类别判断（非公有制经济组织、社会组织）"))

    class Meta:
        model = Unit
        fields = [
            "id", "name", "kind", "kind_display", "region", "region_name", "credit_code", "is_two_new",
            "created_at", "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []  # the unique constraints are checked below, with messages in Chinese

    def validate_credit_code(self, value: str) -> str:
        if not value:
            return ""
        try:
            return validate_uscc(value)
        except IdentifierError as error:
            raise serializers.ValidationError(str(error)) from None

    def validate(self, attrs):
        region = attrs.get("region", getattr(self.instance, "region", None))
        name = attrs.get("name", getattr(self.instance, "name", None))
        credit_code = attrs.get("credit_code", getattr(self.instance, "credit_code", ""))
        others = Unit.objects.exclude(pk=self.instance.pk) if self.instance else Unit.objects.all()
        errors = {}
        if region is not None and name and others.filter(region=region, name=name).exists():
            errors["name"] = _("%(region)s已有名为“%(name)s”的单位") % {"region": region.full_name, "name": name}
        if credit_code and others.filter(credit_code=credit_code).exists():
            errors["credit_code"] = _("统一社会信用代码 %(code)s 已被其他单位登记") % {"code": credit_code}
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class UnitMergeSerializer(serializers.Serializer):
    """合并单位: the unit merged into the one addressed (both in the caller's editable scope)."""

    absorbed = EditableUnitField(queryset=Unit.objects.all(), label=_("并入的单位"), help_text=_("被并入（随后删除）的单位编号"))


class UnitMergeResultSerializer(serializers.Serializer):
    """What a merge did: the surviving unit, and how many rows of each kind moved to it."""

    unit = UnitSerializer()
    moved = serializers.DictField(child=serializers.IntegerField(), help_text=_("按类别迁移的记录数，如 persons、organizations、tasks"))


# Campaigns -----------------------------------------------------------------------------------------


class CampaignSerializer(serializers.ModelSerializer):
    """侨情调查: one census round over a region (by code)."""

    region = EditableRegionField()
    region_name = serializers.CharField(source="region.full_name", read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "year", "name", "region", "region_name", "is_open", "deadline", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators: list = []

    def validate(self, attrs):
        region = attrs.get("region", getattr(self.instance, "region", None))
        year = attrs.get("year", getattr(self.instance, "year", None))
        others = Campaign.objects.exclude(pk=self.instance.pk) if self.instance else Campaign.objects.all()
        if region is not None and year and others.filter(region=region, year=year).exists():
            raise serializers.ValidationError(
                {"year": _("%(region)s已有 %(year)s 年度的侨情调查") % {"region": region.full_name, "year": year}}
            )
        return attrs


# Persons -------------------------------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    """侨务工作对象 as the API shows it: the resident ID and the phone masked, never in full."""

    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.full_name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None, allow_null=True)
    gender_display = serializers.CharField(source="get_gender_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    id_type_display = serializers.CharField(source="get_id_type_display", read_only=True)
    phone_masked = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id", "name", "gender", "gender_display", "birth_date", "id_type", "id_type_display", "id_number_masked", "category",
            "category_display", "region", "region_name", "unit", "unit_name", "country", "phone_masked",
            "is_needy", "is_left_behind_child", "is_empty_nest_elderly", "is_high_level_talent", "is_new_overseas",
            "verified_campaign", "notes", "created_at", "updated_at",
        ]
        read_only_fields = fields


class PersonWriteSerializer(serializers.Serializer):
    """What a caller sends to register or change a person. `id_type` (证件类型) defaults to 居民身份证;
    `id_number` is required to register, optional to change. Gender and birth date come from a number that
    carries them (resident IDs, residence permits, the 2023 permanent residence ID; given ones must agree) and
    must be sent for other documents; a passport needs `country` too."""

    name = serializers.CharField(max_length=64, label=_("姓名"))
    id_type = serializers.ChoiceField(choices=DocumentType.choices, required=False, label=_("证件类型"))
    id_number = serializers.CharField(max_length=32, write_only=True, label=_("证件号码"))
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, label=_("性别"))
    birth_date = serializers.DateField(required=False, label=_("出生日期"))
    category = serializers.ChoiceField(choices=Category.choices, label=_("类别"))
    region = EditableRegionField(label=_("居住地区划代码"))
    unit = EditableUnitField(queryset=Unit.objects.all(), required=False, allow_null=True, label=_("工作单位"))
    country = serializers.CharField(max_length=64, required=False, allow_blank=True, label=_("侨居国(地区)"))
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, write_only=True, label=_("联系电话"))
    is_needy = serializers.BooleanField(required=False, label=_("困难群众"))
    is_left_behind_child = serializers.BooleanField(required=False, label=_("留守儿童"))
    is_empty_nest_elderly = serializers.BooleanField(required=False, label=_("空巢老人"))
    is_high_level_talent = serializers.BooleanField(required=False, label=_("高层次人才"))
    is_new_overseas = serializers.BooleanField(required=False, label=_("新侨"))
    verified_campaign = VisibleCampaignField(
        queryset=Campaign.objects.all(), required=False, allow_null=True, label=_("最近核实的调查")
    )
    notes = serializers.CharField(required=False, allow_blank=True, label=_("备注"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            self.fields["id_number"].required = False

    def validate(self, attrs: dict) -> dict:
        number = attrs.get("id_number")
        if number:
            id_type = attrs.get("id_type") or (self.instance.id_type if self.instance is not None else DocumentType.RESIDENT_ID)
            try:
                attrs["id_number"] = validate_document(id_type, number)
            except IdentifierError as error:
                raise serializers.ValidationError({"id_number": [str(error)]}) from None
        return attrs


class RevealSerializer(serializers.Serializer):
    """The full document number (with its type) and phone, returned only by the audited reveal action."""

    id_type = serializers.ChoiceField(choices=DocumentType.choices)
    id_number = serializers.CharField()
    phone = serializers.CharField()


class PersonEventSerializer(serializers.ModelSerializer):
    """One entry of a person's history. Phone numbers inside the recorded changes are masked."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    actor: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    from_region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    changes = serializers.SerializerMethodField()
    census_import = serializers.SerializerMethodField(
        help_text=_("登记此人的导入（编号）；仅导入登记这一条有值，此时 id 为空")
    )

    class Meta:
        model = PersonEvent
        fields = ["id", "kind", "kind_display", "at", "actor", "from_region", "to_region", "changes", "note", "census_import"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_census_import(self, event: PersonEvent) -> int | None:
        return getattr(event, "census_import", None)

    @extend_schema_field(serializers.DictField(child=serializers.ListField()))
    def get_changes(self, event: PersonEvent) -> dict:
        return masked_changes(event.changes)


def masked_changes(changes: dict) -> dict:
    """A copy of an event's before → after pairs with phone numbers masked (the ID is stored masked)."""
    masked = dict(changes or {})
    if "phone" in masked:
        masked["phone"] = [mask_phone(v) if isinstance(v, str) else v for v in masked["phone"]]
    return masked


# Headcounts ----------------------------------------------------------------------------------------


class CampaignBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "year", "name"]
        read_only_fields = fields


def _counts_field():
    return serializers.DictField(
        child=serializers.IntegerField(), help_text=_("按类别的人数：returned 归侨、relative 侨眷、overseas 华侨、foreign_chinese 外籍华人、student 留学人员、student_relative 留学人员眷属")
    )


@extend_schema_serializer(many=False)
class HeadcountsSerializer(serializers.Serializer):
    """Registered people by category: residing in the region itself, and in its whole subtree."""

    region = RegionBriefSerializer()
    campaign = CampaignBriefSerializer(allow_null=True, help_text=_("为空时为登记库实时数据"))
    own = _counts_field()
    subtree = _counts_field()
    own_total = serializers.IntegerField()
    subtree_total = serializers.IntegerField()
