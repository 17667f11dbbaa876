"""Admin: every model registered, every queryset scoped; regions import and export (django-import-export)."""
from django import forms
from django.contrib import admin
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.admin import ImportExportModelAdmin
from mptt.admin import MPTTModelAdmin

from .audit import audit_export
from .exports import escape_cell
from .models import (
    Activity,
    AffiliatedAssociation,
    AlumniLink,
    CadreContact,
    FoundingStep,
    Home,
    LeadershipMember,
    Membership,
    Organization,
    OverseasAssociation,
    Region,
    Role,
    WechatGroup,
)
from .scoping import user_scope


class ScopedAdminMixin:
    """Admin querysets go through the scoping primitive; an object outside the scope is a 404.

    Forms refuse to place a row (a Region foreign key: a region's parent, a membership's region) outside
    the subtrees the user may change, so that nothing is added to or moved into another county."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and user_scope(request.user).can_write

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ScopedForm(form_class):
            def clean(self):
                cleaned_data = super().clean()
                for field_name, message in model_admin.scope_errors(request, self):
                    self.add_error(field_name, message)
                return cleaned_data

        ScopedForm.__name__ = form_class.__name__
        return ScopedForm

    def scope_errors(self, request, form) -> list[tuple[str | None, str]]:
        """(field, message) for every Region the form would place the row in that the user may not change."""
        scope = user_scope(request.user)
        if scope.is_admin:
            return []
        errors = []
        adding = form.instance._state.adding
        for name, field in form.fields.items():
            if not isinstance(field, forms.ModelChoiceField) or field.queryset.model is not Region:
                continue
            if name not in form.cleaned_data or (not adding and name not in form.changed_data):
                continue
            region = form.cleaned_data[name]
            if isinstance(field, forms.ModelMultipleChoiceField):
                # Several regions (an organization's covered regions): each must be one the user may change.
                if any(not scope.edits_region(r) for r in region):
                    errors.append((name, _("只能选择您有权修改的辖区内的区划")))
                continue
            if region is None:
                errors.append((name, _("只有系统管理员可以不指定区划")))
            elif not scope.edits_region(region):
                errors.append((name, _("只能选择您有权修改的辖区内的区划")))
        return errors

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return user_scope(request.user).can_write
        return type(obj)._default_manager.filter(pk=obj.pk).editable_by(request.user).exists()

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return user_scope(request.user).can_write
        return type(obj)._default_manager.filter(pk=obj.pk).editable_by(request.user).exists()

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404


class EscapingExportMixin:
    """Exports from the admin: scoped (the admin queryset), formula-escaped, audited with their format."""

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        audit_export(user=request.user, queryset=queryset, file_format=file_format.get_title(), request=request)
        return data


class EscapingResource(resources.ModelResource):
    """Every exported text cell passes through the project's one escaper."""

    def export_field(self, field, instance, **kwargs):
        return escape_cell(super().export_field(field, instance, **kwargs))


class RegionResource(EscapingResource):
    """Regions in the same columns as `import_regions` (parent by code)."""

    parent_code = fields.Field(
        attribute="parent", column_name="parent_code", widget=widgets.ForeignKeyWidget(Region, field="code")
    )

    class Meta:
        model = Region
        import_id_fields = ("code",)
        fields = ("code", "name", "level", "parent_code", "longitude", "latitude", "kind", "is_key_area")
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


@admin.register(Region)
class RegionAdmin(ScopedAdminMixin, EscapingExportMixin, ImportExportModelAdmin, MPTTModelAdmin):
    resource_classes = [RegionResource]
    list_display = ("name", "code", "level", "kind", "is_key_area", "full_name")
    list_filter = ("level", "is_key_area", "kind")
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)
    readonly_fields = ("full_name",)
    mptt_level_indent = 16
    list_per_page = 100

    def has_import_permission(self, request):
        # The import writes by code wherever the rows say: region data is the administrators' (see the
        # scope test matrix); everyone else changes regions one by one, inside their scope.
        return super().has_import_permission(request) and user_scope(request.user).is_admin


@admin.register(Membership)
class MembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "role", "region")
    list_filter = ("role",)
    search_fields = ("user__username", "region__name", "region__code")
    raw_id_fields = ("region",)
    autocomplete_fields = ("user",)

    def scope_errors(self, request, form):
        errors = super().scope_errors(request, form)
        if form.cleaned_data.get("role") == Role.ADMIN and not user_scope(request.user).is_admin:
            errors.append(("role", _("只有系统管理员可以授予系统管理员角色")))
        return errors


class OrganizationResource(EscapingResource):
    """Organizations by region code; the status is exported but never imported (only the founding
    procedure changes it: imported rows start as planned)."""

    region = fields.Field(attribute="region", column_name="region_code", widget=widgets.ForeignKeyWidget(Region, field="code"))
    status = fields.Field(attribute="status", column_name="status", readonly=True)

    class Meta:
        model = Organization
        fields = (
            "id", "name", "kind", "status", "region", "unit", "superior", "founded_on", "office_approved",
            "registered_on", "credit_code", "budget_funded", "budget_amount", "responsible_leader", "daily_affairs_cadre",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


def _edits(request, organization: Organization) -> bool:
    """Whether the user may change `organization` (the scope is cached on the user: no query per inline)."""
    return user_scope(request.user).edits_region(organization.region)


class OrganizationPartInline(admin.TabularInline):
    """A part of an organization follows the organization's permissions and scope."""

    extra = 0

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("orgs.view_organization") or request.user.has_perm("orgs.change_organization")

    def has_add_permission(self, request, obj=None):
        return obj is not None and request.user.has_perm("orgs.change_organization") and _edits(request, obj)

    def has_change_permission(self, request, obj=None):
        if not request.user.has_perm("orgs.change_organization"):
            return False
        return obj is None or _edits(request, obj)

    has_delete_permission = has_change_permission


class HomeInline(OrganizationPartInline):
    """侨胞之家: its facts; the standing is derived from the 五有 assessments (recorded on the organization page)."""

    model = Home
    fields = ("name", "address", "area_sqm", "opened_on", "standing")
    readonly_fields = ("standing",)
    can_delete = False
    max_num = 1


class FoundingStepInline(admin.TabularInline):
    """The procedure's record: read-only (steps are taken on the organization page or through the API)."""

    model = FoundingStep
    extra = 0
    can_delete = False
    fields = ("date", "action", "from_status", "to_status", "actor", "note", "document")
    readonly_fields = fields
    ordering = ("date", "pk")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("orgs.view_organization") or request.user.has_perm("orgs.change_organization")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LeadershipMemberInline(OrganizationPartInline):
    model = LeadershipMember


class CadreContactInline(OrganizationPartInline):
    model = CadreContact
    raw_id_fields = ("cadre",)


class WechatGroupInline(OrganizationPartInline):
    model = WechatGroup


class AffiliatedAssociationInline(OrganizationPartInline):
    model = AffiliatedAssociation


class OverseasAssociationInline(OrganizationPartInline):
    model = OverseasAssociation


class AlumniLinkInline(OrganizationPartInline):
    model = AlumniLink
    fk_name = "organization"
    raw_id_fields = ("university_federation",)


class ActivityInline(OrganizationPartInline):
    model = Activity
    fields = ("held_on", "duty", "title", "participants", "visits_left_behind_children", "visits_empty_nest_elderly")


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, EscapingExportMixin, ImportExportModelAdmin):
    """侨联组织 with its parts as inlines. The status is read-only: it changes only through the founding
    procedure (organization page or API); an organization added here starts as planned."""

    resource_classes = [OrganizationResource]
    list_display = ("name", "kind", "status", "region", "unit", "founded_on")
    list_filter = ("kind", "status")
    list_select_related = ("region", "unit")
    search_fields = ("name", "region__name", "region__code")
    raw_id_fields = ("region", "unit", "superior", "covered_regions")
    readonly_fields = ("status", "created_at", "updated_at")
    inlines = [
        FoundingStepInline, HomeInline, LeadershipMemberInline, CadreContactInline, WechatGroupInline, AffiliatedAssociationInline,
        OverseasAssociationInline, AlumniLinkInline, ActivityInline,
    ]

    def get_inline_instances(self, request, obj=None):
        # A submission without the inline sections (a script, an older form) changes only the organization:
        # the inlines are left as they are rather than failing the whole form.
        if obj is None:
            return []
        if request.method == "POST" and not any(key.endswith("-TOTAL_FORMS") for key in request.POST):
            return []
        return super().get_inline_instances(request, obj)

    def has_import_permission(self, request):
        # Imported rows are placed by their region codes: organization imports are the administrators'.
        return super().has_import_permission(request) and user_scope(request.user).is_admin

    def save_model(self, request, obj, form, change):
        adding = obj.pk is None
        super().save_model(request, obj, form, change)
        if adding:
            FoundingStep.objects.create(
                organization=obj, action="create", to_status=obj.status, date=timezone.localdate(), actor=request.user,
                note=str(_("在管理后台添加")),
            )
