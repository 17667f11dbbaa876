"""Admin of organizations: scoped, their parts inline, import and export (status is never imported)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import fields, widgets
from import_export.admin import ImportExportModelAdmin

from orgs.access.admin import ScopedAdminMixin
from orgs.access.scoping import user_scope
from orgs.common.admin import EscapingExportMixin, EscapingResource
from orgs.homes.models import Home
from orgs.organizations.models import (
    Activity,
    AffiliatedAssociation,
    AlumniLink,
    CadreContact,
    FoundingStep,
    LeadershipMember,
    Organization,
    OverseasAssociation,
    WechatGroup,
)
from orgs.regions.models import Region


class OrganizationResource(EscapingResource):
    """Organizations by region code; the status is exported but never imported (only the founding
    procedure changes it: imported rows start as planned)."""

    region = fields.Field(attribute="region", column_name="region_code", widget=widgets.ForeignKeyWidget(Region, field="code"))
    status = fields.Field(attribute="status", column_name="status", readonly=True)

    class Meta:
        model = Organization
        fields = (
            "id", "name", "kind", "status", "region", "unit", "superior", "founded_on", "budget_funded", "budget_amount",
            "responsible_leader", "responsible_leader_is_returned", "daily_affairs_cadre", "daily_affairs_cadre_is_returned",
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
