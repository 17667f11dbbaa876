"""django-import-export resources of the census admin (units, campaigns, persons).

One schema: person columns are PERSON_COLUMNS (census.importing.columns), with the same Chinese
headers, synonyms and cell normalisation as the fast import pipeline; units and campaigns use their
model fields' Chinese names. Every export goes through EscapingResource (formula cells escaped);
document numbers and phones are exported masked. A person import validates each row exactly as the
pipeline does and writes through the person services (encryption, keyed hash, one ID one record,
history, headcounts), so the admin cannot store a person any other way.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, widgets

from census.importing.columns import (
    COLUMN_BY_KEY,
    DOCUMENT_WORDS,
    FALSE_WORDS,
    PERSON_COLUMNS,
    TRUE_WORDS,
    HeaderError,
    map_headers,
)
from census.importing.pipeline import (
    DATA_FIELDS,
    CellError,
    ImportScope,
    explain_unknowns,
    validate_row,
)
from census.importing.values import ValueProblem, cell_as_identifier, clean_text
from census.registry.models import FLAG_FIELDS, Campaign, Category, DocumentType, Gender, Person
from census.registry.services import (
    campaign_close,
    campaign_create,
    person_create,
    person_find_by_document,
    person_update,
    unit_create,
    unit_update,
)
from orgs.access.roles import Role
from orgs.access.scoping import user_scope
from orgs.common.admin import EscapingResource
from orgs.common.audit import AuditEvent, audit_event
from orgs.common.identifiers import (
    IdentifierError,
    document_key,
    mask_document,
    validate_document,
)
from orgs.regions.models import Region
from orgs.units.models import TWO_NEW_KINDS, Unit, UnitKind

YES, NO = "是", "否"


def model_header(model, field_name: str) -> str:
    """A column header: the field's Chinese verbose name."""
    return str(model._meta.get_field(field_name).verbose_name)


def person_header(key: str) -> str:
    return COLUMN_BY_KEY[key].header


class YesNoWidget(widgets.Widget):
    """是/否 in both directions (the import accepts the same words as the census pipeline)."""

    def clean(self, value, row=None, **kwargs):
        text = clean_text(value).lower()
        if text == "":
            return None
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValueError(_("应填“是”或“否”"))

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return YES if value else NO


class ChoiceLabelWidget(widgets.Widget):
    """A choice exported as its Chinese label; imported from the label or the stored value."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.by_label = {str(label): value for value, label in choices}
        self.labels = {value: str(label) for value, label in choices}

    def clean(self, value, row=None, **kwargs):
        text = clean_text(value)
        if not text:
            return None
        if text in self.labels:
            return text
        if text in self.by_label:
            return self.by_label[text]
        raise ValueError(_("“%(value)s”不是可选的值（可填：%(choices)s）") % {"value": text, "choices": "、".join(self.by_label)})

    def render(self, value, obj=None, **kwargs):
        return self.labels.get(value, value or "")


class EditableRegionWidget(widgets.ForeignKeyWidget):
    """A region by code, accepted only inside the importing user's editable scope."""

    def __init__(self, **kwargs):
        super().__init__(Region, field="code", **kwargs)
        self.user = None

    def get_queryset(self, value, row, *args, **kwargs):
        return Region.objects.editable_by(self.user)

    def clean(self, value, row=None, **kwargs):
        code = clean_text(value)
        if not code:
            return None
        try:
            return self.get_queryset(code, row).get(code=code)
        except Region.DoesNotExist:
            raise ValueError(_("区划代码“%(code)s”不存在或不在您的管辖范围内") % {"code": code}) from None


class ScopedResourceMixin:
    """A resource bound to the admin user: instances are looked up among the rows the user may
    change, foreign keys accepted only in the user's scope, and errors named by column header."""

    fields: dict[str, Any]  # the resource's fields, by name: set by the django-import-export Resource mixed with

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.bind(user)

    def bind(self, user) -> None:
        self.user = user
        for field in self.fields.values():
            if isinstance(field.widget, EditableRegionWidget):
                field.widget.user = user

    def before_import(self, dataset, **kwargs):
        if kwargs.get("user") is not None and self.user is None:
            self.bind(kwargs["user"])
        if not user_scope(self.user).can_write:
            del dataset[0 : len(dataset)]
            raise PermissionError(_("只读角色不能导入数据"))
        super().before_import(dataset, **kwargs)

    def get_queryset(self):
        model = self._meta.model
        return model.objects.editable_by(self.user) if self.user is not None else model.objects.none()

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:  # an invalid key cell: reported by import_instance with its reason
            return None

    def headed(self, error: DjangoValidationError) -> DjangoValidationError:
        """The same errors keyed by column header instead of attribute name."""
        if not hasattr(error, "error_dict"):
            return error
        headers = {field.attribute: field.column_name for field in self.fields.values() if field.attribute}
        return DjangoValidationError(
            {headers.get(key, key) if key != NON_FIELD_ERRORS else key: messages for key, messages in error.message_dict.items()}
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except DjangoValidationError as error:
            raise self.headed(error) from None


class UnitResource(ScopedResourceMixin, EscapingResource):
    """单位名录: name, kind (Chinese label), region (code), credit code, 两新组织 (是/否)."""

    name = fields.Field(attribute="name", column_name=model_header(Unit, "name"))
    kind = fields.Field(attribute="kind", column_name=model_header(Unit, "kind"), widget=ChoiceLabelWidget(UnitKind.choices))
    region = fields.Field(attribute="region", column_name="所在区划代码", widget=EditableRegionWidget())
    credit_code = fields.Field(attribute="credit_code", column_name=model_header(Unit, "credit_code"))
    is_two_new = fields.Field(
        attribute="is_two_new", column_name=model_header(Unit, "is_two_new"), widget=YesNoWidget(), saves_null_values=False
    )

    class Meta:
        model = Unit
        fields = ("name", "kind", "region", "credit_code", "is_two_new")
        export_order = fields
        import_id_fields = ("region", "name")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("region")

    def import_instance(self, instance, row, **kwargs) -> None:
        super().import_instance(instance, row, **kwargs)
        if instance.pk is None and clean_text(row.get(self.fields["is_two_new"].column_name)) == "":
            instance.is_two_new = instance.kind in TWO_NEW_KINDS
        instance.credit_code = instance.credit_code or ""

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        code = (instance.credit_code or "").strip().upper()
        if code and "credit_code" not in errors:
            if Unit.objects.filter(credit_code=code).exclude(pk=instance.pk).exists():
                errors["credit_code"] = [_("统一社会信用代码 %(code)s 已被其他单位登记") % {"code": code}]
        super().validate_instance(instance, errors, validate_unique)

    def do_instance_save(self, instance, is_create):
        data = {key: getattr(instance, key) for key in ("name", "kind", "region", "credit_code", "is_two_new")}
        try:
            unit = unit_create(editor=self.user, **data) if is_create else unit_update(unit=instance, editor=self.user, **data)
        except DjangoValidationError as error:
            raise self.headed(error) from None
        instance.pk = unit.pk


class CampaignResource(ScopedResourceMixin, EscapingResource):
    """侨情调查: year, name, region (code), open (是/否), deadline."""

    year = fields.Field(attribute="year", column_name=model_header(Campaign, "year"), widget=widgets.IntegerWidget())
    name = fields.Field(attribute="name", column_name=model_header(Campaign, "name"))
    region = fields.Field(attribute="region", column_name="调查范围区划代码", widget=EditableRegionWidget())
    is_open = fields.Field(
        attribute="is_open", column_name=model_header(Campaign, "is_open"), widget=YesNoWidget(), saves_null_values=False
    )
    deadline = fields.Field(attribute="deadline", column_name=model_header(Campaign, "deadline"), widget=widgets.DateWidget())

    class Meta:
        model = Campaign
        fields = ("year", "name", "region", "is_open", "deadline")
        export_order = fields
        import_id_fields = ("year", "region")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("region")

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        scope = user_scope(self.user)
        if not (scope.is_admin or Role.STAFF in scope.roles):
            del dataset[0 : len(dataset)]
            raise PermissionError(_("只有侨联工作人员和系统管理员可以管理侨情调查"))

    def do_instance_save(self, instance, is_create):
        """New campaigns are opened by the service; a campaign set to 否 (closed) is closed by it."""
        try:
            if is_create:
                campaign = campaign_create(
                    editor=self.user, year=instance.year, name=instance.name, region=instance.region, deadline=instance.deadline
                )
                instance.pk = campaign.pk
                if instance.is_open is False:
                    campaign_close(campaign=campaign, editor=self.user)
                return
            closing = instance.is_open is False and Campaign.objects.filter(pk=instance.pk, is_open=True).exists()
            if closing:
                instance.is_open = True
            instance.save()
            if closing:
                campaign_close(campaign=instance, editor=self.user)
        except DjangoValidationError as error:
            raise self.headed(error) from None


class PersonResource(EscapingResource):
    """侨务工作对象 in the census template's columns (PERSON_COLUMNS). Exports mask the document number
    and the phone; imports validate every row as the census pipeline does and write through the
    person services. An exported (masked) file is therefore not importable as it is."""

    name = fields.Field(attribute="name", column_name=person_header("name"))
    gender = fields.Field(attribute="gender", column_name=person_header("gender"), widget=ChoiceLabelWidget(Gender.choices))
    birth_date = fields.Field(attribute="birth_date", column_name=person_header("birth_date"), widget=widgets.DateWidget())
    id_type = fields.Field(attribute="id_type", column_name=person_header("id_type"), widget=ChoiceLabelWidget(DocumentType.choices))
    id_number = fields.Field(attribute="id_number_masked", column_name=person_header("id_number"))
    category = fields.Field(attribute="category", column_name=person_header("category"), widget=ChoiceLabelWidget(Category.choices))
    region = fields.Field(attribute="region__code", column_name=person_header("region"))
    unit = fields.Field(attribute="unit__name", column_name=person_header("unit"))
    country = fields.Field(attribute="country", column_name=person_header("country"))
    phone = fields.Field(attribute="phone_masked", column_name=person_header("phone"))
    is_needy = fields.Field(attribute="is_needy", column_name=person_header("is_needy"), widget=YesNoWidget())
    is_left_behind_child = fields.Field(attribute="is_left_behind_child", column_name=person_header("is_left_behind_child"), widget=YesNoWidget())
    is_empty_nest_elderly = fields.Field(attribute="is_empty_nest_elderly", column_name=person_header("is_empty_nest_elderly"), widget=YesNoWidget())
    is_high_level_talent = fields.Field(attribute="is_high_level_talent", column_name=person_header("is_high_level_talent"), widget=YesNoWidget())
    is_new_overseas = fields.Field(attribute="is_new_overseas", column_name=person_header("is_new_overseas"), widget=YesNoWidget())
    notes = fields.Field(attribute="notes", column_name=person_header("notes"))

    class Meta:
        model = Person
        fields = tuple(column.key for column in PERSON_COLUMNS)
        export_order = fields
        import_id_fields: tuple = ()
        report_skipped = True
        clean_model_instances = False  # the services validate (full_clean) what they write

    def __init__(self, user=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.user = user
        self._positions: dict[str, int] | None = None
        self._headers: list = []
        self._scope: ImportScope | None = None
        self._first_row_of: dict[str, int] = {}
        self._places: dict[tuple[type, int], object] = {}
        self._written = {"new": 0, "updated": 0}

    # Export ------------------------------------------------------------------------------------

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("region", "unit")

    # Import ------------------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        self.user = kwargs.get("user") or self.user
        try:
            if not user_scope(self.user).can_write:
                raise PermissionError(_("只读角色不能导入数据"))
            self._positions, _ignored = map_headers(list(dataset.headers or []))
        except (HeaderError, PermissionError):
            del dataset[0 : len(dataset)]  # nothing to import: the reason is reported once, for the file
            raise
        self._headers = list(dataset.headers)
        self._scope = ImportScope(self.user)
        self._first_row_of, self._places, self._written = {}, {}, {"new": 0, "updated": 0}  # one run's state
        self._today = timezone.localdate()

    def _cells(self, row) -> list:
        return [row.get(header) for header in self._headers]

    def get_instance(self, instance_loader, row):
        """The registered person with the row's document, when the importer may change them."""
        index = self._positions.get("id_number") if self._positions else None
        if index is None:
            return None
        cells = self._cells(row)
        type_index = self._positions.get("id_type") if self._positions else None
        type_text = clean_text(cells[type_index]) if type_index is not None else ""
        id_type = DOCUMENT_WORDS.get(type_text.replace(" ", "").lower()) if type_text else DocumentType.RESIDENT_ID
        if id_type is None:
            return None
        try:
            number = validate_document(id_type, cell_as_identifier(cells[index]), today=self._today)
        except (IdentifierError, ValueProblem):
            return None
        person = person_find_by_document(id_type, number)
        return person if person is not None and Person.objects.editable_by(self.user).filter(pk=person.pk).exists() else None

    def import_instance(self, instance, row, **kwargs) -> None:
        """Normalises and validates the row with the pipeline's own rules; keeps the values for the write."""
        row_number = kwargs.get("row_number", 0) + 1  # as in the sheet: the header is row 1
        positions, scope = self._positions, self._scope
        assert positions is not None and scope is not None  # set by before_import, which runs first
        values, number, errors = validate_row(row_number, self._cells(row), positions, scope, self._today)
        if number:
            first = self._first_row_of.setdefault(document_key(values["id_type"], number), row_number)
            if first != row_number:
                errors.append(
                    CellError(row_number, person_header("id_number"), mask_document(number),
                              _("与第 %(row)d 行证件号码重复") % {"row": first})
                )
        explain_unknowns(errors, scope)
        if errors:
            grouped: dict[str, list[str]] = {}
            for error in errors:
                grouped.setdefault(error.column, []).append(error.reason)
            raise DjangoValidationError(grouped)
        for key, value in values.items():
            setattr(instance, key, value)
        if instance.pk is None:
            instance.id_number_masked = mask_document(number)
        instance._census_values = values
        instance._census_number = number

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or original is None or original.pk is None:
            return False
        return all(getattr(original, key) == instance._census_values[key] for key in DATA_FIELDS)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise DjangoValidationError(import_validation_errors)

    def _place(self, model, pk):
        if pk is None:
            return None
        key = (model, pk)
        if key not in self._places:
            self._places[key] = model.objects.get(pk=pk)
        return self._places[key]

    def do_instance_save(self, instance, is_create):
        values = dict(instance._census_values)
        data = {
            "name": values["name"], "gender": values["gender"], "birth_date": values["birth_date"],
            "category": values["category"], "region": self._place(Region, values["region_id"]),
            "unit": self._place(Unit, values["unit_id"]), "country": values["country"], "phone": values["phone"],
            "notes": values["notes"], **{flag: values[flag] for flag in FLAG_FIELDS},
        }
        try:
            if is_create:
                person = person_create(editor=self.user, id_type=values["id_type"], id_number=instance._census_number, **data)
            else:
                person = person_update(person=instance, editor=self.user, **data)
        except DjangoValidationError as error:
            raise self._headed(error) from None
        instance.pk = person.pk
        for attribute in ("id_number_masked", "created_at", "updated_at"):
            setattr(instance, attribute, getattr(person, attribute))
        self._written["new" if is_create else "updated"] += 1

    def _headed(self, error: DjangoValidationError) -> DjangoValidationError:
        if not hasattr(error, "error_dict"):
            return error
        return DjangoValidationError(
            {(COLUMN_BY_KEY[key].header if key in COLUMN_BY_KEY else key): messages for key, messages in error.message_dict.items()}
        )

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or not any(self._written.values()) or result.has_errors() or result.has_validation_errors():
            return
        audit_event(
            event=AuditEvent.IMPORT, model=Person, actor=self.user,
            description=_("管理后台导入侨务工作对象%(file)s：新增 %(new)d，更新 %(updated)d")
            % {"file": kwargs.get("file_name") or "", **self._written},
            data={**self._written, "file": kwargs.get("file_name") or "", "via": "admin"},
        )
