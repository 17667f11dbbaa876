"""Admin of the registry: units, campaigns, persons (shown masked, written only through the person
services), person history and headcounts (read-only). Every queryset scoped, exports escaped and audited."""
from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from census.importing.resources import CampaignResource, PersonResource, UnitResource
from census.registry.api.serializers import masked_changes
from census.registry.models import FLAG_FIELDS, Campaign, Headcount, Person, PersonDocument, PersonEvent
from census.registry.services import (
    document_hashes,
    person_create,
    person_update,
    unit_create,
    unit_update,
)
from orgs.access.admin import (
    NotFoundBeforeForbiddenMixin,
    ReadOnlyAdminMixin,
    ScopedAdminMixin,
    UserBoundResourcesMixin,
    region_path,
)
from orgs.access.roles import Role
from orgs.access.scoping import user_scope
from orgs.common.admin import EscapingExportMixin
from orgs.common.audit import audit_view
from orgs.common.crypto import search_token, search_token_hashes
from orgs.common.identifiers import documents_matching
from orgs.regions.models import Region
from orgs.units.models import Unit


def _scoped_choices(db_field, request, kwargs) -> None:
    """Foreign-key choices limited to what the user may use: regions and units they edit, campaigns they see."""
    if db_field.related_model is Region:
        kwargs["queryset"] = Region.objects.editable_by(request.user)
    elif db_field.related_model is Unit:
        kwargs["queryset"] = Unit.objects.editable_by(request.user)
    elif db_field.related_model is Campaign:
        kwargs["queryset"] = Campaign.objects.visible_to(request.user)


class ScopedChoicesMixin:
    """The choices of foreign keys are what the user may use (ScopedAdminMixin re-checks regions)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        _scoped_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Units and campaigns -------------------------------------------------------------------------------


@admin.register(Unit)
class UnitAdmin(ScopedAdminMixin, UserBoundResourcesMixin, EscapingExportMixin, ScopedChoicesMixin, ImportExportModelAdmin):
    resource_classes = [UnitResource]
    list_display = ("name", "kind", region_path, "credit_code", "is_two_new")
    list_filter = ("kind", "is_two_new")
    list_select_related = ("region",)
    search_fields = ("name", "credit_code")
    raw_id_fields = ("region",)
    readonly_fields = ("created_at", "updated_at")
    list_per_page = 100

    def save_model(self, request, obj, form, change):
        data = {key: form.cleaned_data[key] for key in ("name", "kind", "region", "credit_code", "is_two_new") if key in form.cleaned_data}
        unit = unit_update(unit=obj, editor=request.user, **data) if change else unit_create(editor=request.user, **data)
        obj.pk = unit.pk


def manages_campaigns(user) -> bool:
    """Campaigns are opened and closed by federation staff and administrators."""
    scope = user_scope(user)
    return scope.is_admin or Role.STAFF in scope.roles


@admin.register(Campaign)
class CampaignAdmin(ScopedAdminMixin, NotFoundBeforeForbiddenMixin, UserBoundResourcesMixin, EscapingExportMixin, ScopedChoicesMixin, ImportExportModelAdmin):
    resource_classes = [CampaignResource]
    list_display = ("name", "year", region_path, "is_open", "deadline")
    list_filter = ("is_open", "year")
    list_select_related = ("region",)
    search_fields = ("name",)
    raw_id_fields = ("region",)
    readonly_fields = ("created_at",)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and manages_campaigns(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and manages_campaigns(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and manages_campaigns(request.user)


# Persons -------------------------------------------------------------------------------------------

PERSON_FORM_FIELDS = (
    "name", "id_type", "gender", "birth_date", "category", "region", "unit", "country", "phone", *FLAG_FIELDS, "verified_campaign", "notes",
)


class PersonAdminForm(forms.ModelForm):
    """Registers or changes a person. Validation is the service's own: the change is tried in a
    savepoint that is rolled back, so the form shows exactly the service's messages (duplicate ID
    registered in another county, region outside the scope …). Gender and birth date come from a number that
    carries them (resident IDs …), and are required for other documents."""

    id_number = forms.CharField(label=_("证件号码"), max_length=32, required=False, help_text=_("修改时留空表示不变"))
    # Not a model field (the model stores it encrypted, hashed and masked): the services take it.
    phone = forms.CharField(label=_("联系电话"), max_length=24, required=False)
    editor = None  # set by PersonAdmin.get_form

    class Meta:
        model = Person
        fields = PERSON_FORM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        creating = self.instance.pk is None
        if "id_number" in self.fields:
            self.fields["id_number"].required = creating
        if "id_type" in self.fields:
            self.fields["id_type"].required = False  # 居民身份证 unless chosen
        for name in ("gender", "birth_date"):
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = _("证件号码含出生日期和性别时可留空")
        if not creating and "phone" in self.fields:
            # The full phone is not shown here (only the audited reveal shows it).
            self.initial["phone"] = ""
            self.fields["phone"].help_text = _("当前：%(phone)s；留空表示不变") % {"phone": self.instance.phone_masked or "—"}

    def service_arguments(self) -> dict:
        data = {key: self.cleaned_data[key] for key in PERSON_FORM_FIELDS if key in self.cleaned_data}
        for key in ("phone", "gender", "birth_date", "id_type"):
            if not data.get(key) and (key != "phone" or self.instance.pk is not None):
                data.pop(key, None)
        return data

    def write(self) -> Person:
        """Calls the service: person_create for a new person, person_update otherwise."""
        data = self.service_arguments()
        id_number = self.cleaned_data.get("id_number") or None
        if self.instance.pk is None:
            assert id_number is not None  # required to register (see __init__): validated before write()
            return person_create(editor=self.editor, id_number=id_number, **data)
        return person_update(person=self.instance, editor=self.editor, id_number=id_number, **data)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            with transaction.atomic():
                self.write()
                transaction.set_rollback(True)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
            else:
                self.add_error(None, error.messages)
        except PermissionDenied:
            self.add_error(None, _("您不能修改此人员"))
        return cleaned

    def _post_clean(self):
        # The model instance is validated by the service (it holds the encrypted ID, which the form does not).
        pass


class PersonDocumentInline(admin.TabularInline):
    """Linked documents, masked; linked and unlinked on the person's page (the services merge records)."""

    model = PersonDocument
    fields = ("id_type", "number_masked", "linked_at", "linked_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


DOCUMENT_SEARCH_PARAM = "doc"


def document_search_token(search_term: str) -> str:
    """The keyed lookup hashes of every document type `search_term` is a valid number of, joined by dots; "" when it
    is no document number (a name). The token stands for the number in URLs: it cannot be reversed without the key."""
    return search_token([h for id_type, number in documents_matching(search_term) for h in document_hashes(id_type, number)])


class DocumentSearchFilter(admin.SimpleListFilter):
    """The people found by a full document number, named in the URL only by the number's keyed hashes (`?doc=…`):
    the search form POSTs the number (PersonAdmin.search_view), so it appears in no URL, link or access log."""

    title = _("证件号码查找")
    parameter_name = DOCUMENT_SEARCH_PARAM

    def lookups(self, request, model_admin):
        value = request.GET.get(self.parameter_name)
        return [(value, _("按完整证件号码查找的结果"))] if value else []

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        hashes = search_token_hashes(self.value())
        owners = PersonDocument.objects.filter(number_hash__in=hashes).values("person_id")
        return queryset.filter(Q(id_number_hash__in=hashes) | Q(pk__in=owners))


@admin.register(Person)
class PersonAdmin(ScopedAdminMixin, NotFoundBeforeForbiddenMixin, UserBoundResourcesMixin, EscapingExportMixin, ScopedChoicesMixin, ImportExportModelAdmin):
    """侨务工作对象: masked in every list and page; the encrypted ID and its hash are never shown."""

    resource_classes = [PersonResource]
    form = PersonAdminForm
    inlines = [PersonDocumentInline]
    list_display = ("name", "id_type", "id_number_masked", "gender", "category", region_path, "unit", "phone_display", "verified_campaign")
    list_filter = (DocumentSearchFilter, "category", "id_type", *FLAG_FIELDS)
    list_select_related = ("region", "unit", "verified_campaign")
    search_fields = ("name",)
    search_help_text = _("按姓名或完整证件号码查找")
    raw_id_fields = ("region", "unit")
    readonly_fields = ("id_number_masked", "phone_display", "registered_by_import", "created_at", "updated_at")
    fields = (
        "name", "id_type", "id_number", "id_number_masked", "gender", "birth_date", "category", "region", "unit", "country",
        "phone", *FLAG_FIELDS, "verified_campaign", "notes", "registered_by_import", "created_at", "updated_at",
    )
    list_per_page = 100

    @admin.display(description=_("联系电话"))
    def phone_display(self, obj: Person) -> str:
        return obj.phone_masked

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only pages display every field as stored: the phone only masked, no ID input.
            fields = ["phone_display" if f == "phone" else f for f in fields if f != "id_number"]
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"editor": request.user})

    def get_urls(self):
        return [
            path("search/", self.admin_site.admin_view(self.search_view), name="census_person_search"),
            *super().get_urls(),
        ]

    def search_view(self, request):
        """The search form's POST: back to the list with the filters kept, a full document number replaced by its
        keyed hashes (`doc`), a name as the usual `q`."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        params = {key: value for key, value in request.POST.items() if key not in ("csrfmiddlewaretoken", SEARCH_VAR, DOCUMENT_SEARCH_PARAM)}
        params.pop("p", None)  # a new search starts at its first page
        term = request.POST.get(SEARCH_VAR, "").strip()
        token = document_search_token(term) if term else ""
        if token:
            params[DOCUMENT_SEARCH_PARAM] = token
        elif term:
            params[SEARCH_VAR] = term
        return redirect(self._changelist_url(params))

    def _changelist_url(self, params: dict) -> str:
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist", current_app=self.admin_site.name)
        return f"{url}?{urlencode(params)}" if params else url

    def changelist_view(self, request, extra_context=None):
        # A number typed into an old link or bookmark (`?q=<number>`): answered with the hashed link at once, so
        # the page's links (pages, sorting, filters) never repeat it.
        term = request.GET.get(SEARCH_VAR, "").strip()
        token = document_search_token(term) if term and request.method == "GET" else ""
        if token:
            params = {key: value for key, value in request.GET.items() if key != SEARCH_VAR}
            params[DOCUMENT_SEARCH_PARAM] = token
            return redirect(self._changelist_url(params))
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        """A full document number is found by its keyed hash (numbers are not stored in the clear), whatever its
        type, as a person's own document or a linked one."""
        hashes = [h for id_type, number in documents_matching(search_term) for h in document_hashes(id_type, number)]
        if not hashes:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(Q(id_number_hash__in=hashes) | Q(documents__number_hash__in=hashes)), True

    def save_model(self, request, obj, form, change):
        person = form.write()
        obj.pk = person.pk
        for field in Person._meta.concrete_fields:
            setattr(obj, field.attname, getattr(person, field.attname))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        person = getattr(response, "context_data", {}).get("original") if request.method == "GET" else None
        if person is not None and response.status_code == 200:
            audit_view(user=request.user, instance=person, request=request)
        return response

    def has_delete_permission(self, request, obj=None):
        # No person service deletes (history and headcounts would be left behind); people move by transfer.
        return False


@admin.register(PersonEvent)
class PersonEventAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "person", "kind", "actor", "from_region", "to_region", "note")
    list_filter = ("kind",)
    list_select_related = ("person", "actor", "from_region", "to_region")
    fields = ("person", "kind", "at", "actor", "from_region", "to_region", "changes_display", "note")
    readonly_fields = fields
    date_hierarchy = "at"

    @admin.display(description=_("变更"))
    def changes_display(self, obj: PersonEvent):
        changes = masked_changes(obj.changes)
        if not changes:
            return "—"
        def before_after(value):
            return tuple(value) if isinstance(value, (list, tuple)) and len(value) == 2 else ("", value)

        return format_html_join(
            "", "<div><strong>{}</strong>：{} → {}</div>", ((key, *before_after(value)) for key, value in changes.items())
        )


@admin.register(Headcount)
class HeadcountAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("campaign", region_path, "unit", "category", "count")
    list_filter = (("campaign", admin.RelatedOnlyFieldListFilter), "category")
    list_select_related = ("campaign", "region", "unit")
    search_fields = ("region__name", "region__code", "unit__name")
