"""Scope-matrix cases of the orgs app and the project pages: region pages, the region API, the Region and
Membership admin with its import and export."""
from __future__ import annotations

import datetime as _dt
import os
import tempfile
import uuid

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone as _tz

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.homes.models import Home, HomeAssessment, HomeDesignation, HomeStanding
from orgs.organizations.models import (
    Activity,
    FoundingStep,
    LeadershipMember,
    Organization,
    OrganizationKind,
)
from orgs.regions.models import Region, RegionLevel
from tests.factories import MembershipFactory, RegionFactory, UserFactory
from tests.scope.registry import (
    ADMIN,
    ADMIN_METHODS,
    API,
    WEB,
    Placed,
    Probe,
    RouteCase,
    Write,
    register,
    scoped_admin_cases,
)

REGION_COLUMNS = [f.attname for f in Region._meta.concrete_fields]


def _make_region(region):
    return RegionFactory(parent=region, level=RegionLevel.TOWNSHIP, code=f"{region.code}198", name=f"{region.name[:2]}矩阵镇")


REGION = Placed(
    label="region",
    make=_make_region,
    markers=lambda r: (r.code, r.name),
    rows=lambda: list(Region.objects.order_by("pk").values_list(*REGION_COLUMNS)),
)

MEMBERSHIP = Placed(
    label="membership",
    make=lambda region: MembershipFactory(
        user=UserFactory(username=f"matrix_{region.code}"), role=Role.COUNTY_OFFICIAL, region=region
    ),
    markers=lambda m: (m.user.username,),
    rows=lambda: list(Membership.objects.order_by("pk").values_list("pk", "user_id", "role", "region_id")),
)


def _search(world, obj):
    return {"q": "矩阵"}


# ---- project and region pages (web) --------------------------------------------------------------

register(
    # home and the browser open the scope's top region: for 玉溪市 leadership a township is two levels down
    RouteCase("home", WEB, REGION, follow=True, reads=(Probe(leader_sees_both=False),)),
    RouteCase(
        "orgs:region-browser",
        WEB,
        REGION,
        follow=True,
        reads=(Probe(leader_sees_both=False), Probe(data=_search, name="search")),
    ),
    RouteCase("orgs:region-detail", WEB, REGION, kwargs=lambda r: {"code": r.code}),
    RouteCase("orgs:region-export", WEB, REGION, kwargs=lambda r: {"code": r.code}),
)

# ---- region API ----------------------------------------------------------------------------------------

register(
    RouteCase(
        "api:region-list",
        API,
        REGION,
        reads=(
            Probe(),
            Probe(data=_search, name="q"),
            Probe(data=lambda world, obj: {"level": RegionLevel.TOWNSHIP}, name="level"),
            Probe(data=lambda world, obj: {"parent": world.foreign_region.code}, shows_own=False, name="foreign-parent"),
            Probe(data=lambda world, obj: {"code": world.foreign(REGION).code}, shows_own=False, name="foreign-code"),
        ),
    ),
    RouteCase("api:region-detail", API, REGION, kwargs=lambda r: {"code": r.code}),
    RouteCase("api:region-children", API, REGION, kwargs=lambda r: {"code": r.parent.code}),
    RouteCase("api:region-ancestors", API, REGION, kwargs=lambda r: {"code": r.code}, reads=(Probe(shows_own=False),)),
)

# ---- Django admin of scoped models -------------------------------------------------------------------

def region_change_body(world, obj, region):
    return {
        "code": obj.code, "name": obj.name + "改", "level": obj.level, "kind": obj.kind,
        "parent": region.pk, "longitude": "", "latitude": "", "_save": "1",
    }


def region_create_body(world, obj, region):
    return {
        "code": f"{region.code}197", "name": f"{region.name[:2]}新建镇", "level": RegionLevel.TOWNSHIP,
        "kind": "town", "parent": region.pk, "longitude": "", "latitude": "", "_save": "1",
    }


def membership_change_body(world, obj, region):
    return {"user": obj.user_id, "role": Role.STAFF, "region": region.pk, "_save": "1"}


def membership_create_body(world, obj, region):
    return {"user": UserFactory().pk, "role": Role.STAFF, "region": region.pk, "_save": "1"}


register(*scoped_admin_cases(REGION, "orgs.region", region_change_body, region_create_body))
register(*scoped_admin_cases(MEMBERSHIP, "orgs.membership", membership_change_body, membership_create_body))


# ---- region import and export in the admin (django-import-export) ----------------------------------------

def _format_index(formats, title: str) -> str:
    return str(next(i for i, f in enumerate(formats) if f().get_title() == title))


def region_export_form(world, obj):
    model_admin = admin.site._registry[Region]
    resource = model_admin.get_export_resource_classes(None)[0]
    fields = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
    return {"format": _format_index(model_admin.get_export_formats(), "csv"), "resource": "0", **fields}


def _import_csv(region) -> bytes:
    return (
        "code,name,level,parent_code,longitude,latitude,kind,is_key_area\n"
        f"{region.code}196,{region.name[:2]}导入镇,township,{region.code},,,town,0\n"
    ).encode()


def region_import_upload(world, obj, region):
    model_admin = admin.site._registry[Region]
    return {
        "resource": "0",
        "format": _format_index(model_admin.get_import_formats(), "csv"),
        "import_file": SimpleUploadedFile("regions.csv", _import_csv(region), content_type="text/csv"),
    }


def region_process_import_body(world, obj, region):
    """The confirmation step, as if the upload step had stored the file."""
    model_admin = admin.site._registry[Region]
    name = f"qiaolian-matrix-{os.getpid()}-{uuid.uuid4().hex}.csv"
    with open(f"{tempfile.gettempdir()}/{name}", "wb") as handle:
        handle.write(_import_csv(region))
    return {
        "import_file_name": name,
        "original_file_name": "regions.csv",
        "format": _format_index(model_admin.get_import_formats(), "csv"),
        "resource": "0",
    }


register(
    RouteCase(
        "admin:orgs_region_export",
        ADMIN,
        REGION,
        methods=ADMIN_METHODS,
        reads=(Probe(shows_own=False, name="form"), Probe("POST", data=region_export_form, name="csv")),
    ),
    RouteCase(
        "admin:orgs_region_import",
        ADMIN,
        REGION,
        methods=ADMIN_METHODS,
        reads=(Probe(shows_own=False),),
        writes=(Write("POST", region_import_upload, action="none", name="upload"),),
        admin_only=True,
    ),
    RouteCase(
        "admin:orgs_region_process_import",
        ADMIN,
        REGION,
        methods=("POST",),
        reads=(),
        writes=(Write("POST", region_process_import_body, action="create", name="confirm"),),
        admin_only=True,
    ),
)

# ---- admin site pages --------------------------------------------------------------------------------

register(
    RouteCase("admin:index", ADMIN, REGION, reads=(Probe(shows_own=False),)),
    RouteCase("admin:app_list", ADMIN, REGION, list_kwargs={"app_label": "orgs"}, reads=(Probe(shows_own=False),)),
    RouteCase(
        "admin:view_on_site",
        ADMIN,
        REGION,
        kwargs=lambda r: {"content_type_id": ContentType.objects.get_for_model(Region).pk, "object_id": r.pk},
        reads=(Probe(shows_own=False),),
        # No region page is linked from the admin (yet): own objects may be a 404 too; a foreign one never
        # redirects (that would confirm it exists).
        own_status=(200, 302, 404),
    ),
)


# ---- organizations: pages, API, admin import/export (issue 5). A part added to an organization (a
# step, a leader, an activity) is a change of that organization: the writes are declared as changes. ----------------------------------------------


from tests.scope.census import ORGANIZATION, import_export_cases  # noqa: E402


def _today() -> str:
    return _tz.localdate().isoformat()


def _make_federation(region):
    """A 侨联分会 with a 侨胞之家, planned a week ago (so that a step dated today is valid)."""
    org = Organization.objects.create(name=f"{region.name[:2]}矩阵分会", kind=OrganizationKind.BRANCH, region=region)
    FoundingStep.objects.create(organization=org, action="create", to_status=org.status, date=_tz.localdate() - _dt.timedelta(days=7))
    # 五有达标 (as if assessed), so that a designation may be recorded
    Home.objects.create(organization=org, name=f"{region.name[:2]}矩阵之家", standing=HomeStanding.FULL)
    return org


def _federation_rows():
    return [
        list(Organization.objects.order_by("pk").values_list("pk", "name", "status", "region_id", "responsible_leader")),
        list(FoundingStep.objects.order_by("pk").values_list("pk", "organization_id", "action")),
        list(Home.objects.order_by("pk").values_list("pk", "organization_id", "name", "standing")),
        list(HomeAssessment.objects.order_by("pk").values_list("pk", "home_id")),
        list(HomeDesignation.objects.order_by("pk").values_list("pk", "home_id", "kind")),
        list(LeadershipMember.objects.order_by("pk").values_list("pk", "organization_id", "name")),
        list(Activity.objects.order_by("pk").values_list("pk", "organization_id", "title")),
    ]


FEDERATION = Placed("federation", make=_make_federation, markers=lambda o: (o.name,), rows=_federation_rows)


def _make_step(region):
    org = Organization.objects.create(name=f"{region.name[:2]}步骤侨联", kind=OrganizationKind.GROUP, region=region)
    step = FoundingStep(organization=org, action="create", to_status=org.status, date=_tz.localdate())
    step.document.save("plan.pdf", ContentFile(f"%PDF-1.4 {region.name[:2]}矩阵步骤".encode()), save=False)
    step.save()
    return step


STEP = Placed(
    "founding-step", make=_make_step, markers=lambda s: (f"{s.organization.region.name[:2]}矩阵步骤",),
    rows=lambda: list(FoundingStep.objects.order_by("pk").values_list("pk", "organization_id", "action")),
)
by_org_pk = lambda obj: {"pk": obj.pk}  # noqa: E731


def _create_body(world, obj, region):
    return {"name": f"{region.name[:2]}新建小组", "kind": OrganizationKind.GROUP, "region": region.code, "planned_on": _today()}


def _edit_body(world, obj, region):
    return {"name": obj.name + "改", "budget_amount": ""}


def _step_body(world, obj, region):
    return {"action": "start_drafting", "date": _today(), "note": "矩阵"}


def _leader_body(world, obj, region):
    return {"name": "矩阵主席", "position": "chair", "employment": "part_time", "term_start": _today()}


def _activity_body(world, obj, region):
    return {"duty": "liaison", "title": "矩阵联谊", "held_on": _today(), "participants": 12}


def _home_body(world, obj, region):
    return {"name": obj.name + "之家改", "address": "矩阵路 1 号"}


def _assess_body(world, obj, region):
    return {"assessed_on": _today(), "has_organization": "on", "organization_evidence": "已成立", "organization_approach": "own"}


register(
    RouteCase("organizations:list", WEB, FEDERATION, reads=(
        Probe(),
        Probe(data=lambda world, obj: {"q": "矩阵"}, name="q"),
        Probe(data=lambda world, obj: {"region": world.foreign_region.code}, shows_own=False, name="foreign-region"),
        Probe(data=lambda world, obj: {"kind": "branch", "home_standing": "full"}, name="kind-standing"),
    )),
    RouteCase("organizations:create", WEB, FEDERATION, methods=("GET", "HEAD", "OPTIONS"), reads=(Probe(shows_own=False),),
              writes=(Write("POST", _create_body, action="create", moves=True),), leader_reads=False),
    RouteCase("organizations:detail", WEB, FEDERATION, kwargs=by_org_pk),
    RouteCase("organizations:edit", WEB, FEDERATION, kwargs=by_org_pk, writes=(Write("POST", _edit_body),), leader_reads=False),
    RouteCase("organizations:step", WEB, FEDERATION, kwargs=by_org_pk, methods=(), reads=(),
              writes=(Write("POST", _step_body),)),
    RouteCase("organizations:leader-create", WEB, FEDERATION, kwargs=by_org_pk, methods=(), reads=(),
              writes=(Write("POST", _leader_body),)),
    RouteCase("organizations:activity-create", WEB, FEDERATION, kwargs=by_org_pk, methods=(), reads=(),
              writes=(Write("POST", _activity_body),)),
    RouteCase("organizations:home-save", WEB, FEDERATION, kwargs=by_org_pk, methods=(), reads=(),
              writes=(Write("POST", _home_body),)),
    RouteCase("organizations:home-assess", WEB, FEDERATION, kwargs=by_org_pk, methods=(), reads=(),
              writes=(Write("POST", _assess_body),)),
    RouteCase("organizations:step-document", WEB, STEP, kwargs=by_org_pk),
)


def _api_create_body(world, obj, region):
    return {"name": f"{region.name[:2]}接口小组", "kind": OrganizationKind.GROUP, "region": region.code, "planned_on": _today()}


register(
    RouteCase("api:organization-list", API, FEDERATION, reads=(
        Probe(),
        Probe(data=lambda world, obj: {"kind": "branch"}, name="kind"),
        Probe(data=lambda world, obj: {"region": world.foreign_region.code}, shows_own=False, name="foreign-region"),
        Probe(data=lambda world, obj: {"home_standing": "full", "status": "planned"}, name="standing"),
    ), writes=(Write("POST", _api_create_body, action="create", moves=True, json=True),)),
    RouteCase("api:organization-detail", API, FEDERATION, kwargs=by_org_pk, writes=(
        Write("PATCH", lambda world, obj, region: {"name": obj.name + "改"}, json=True, name="patch"),
        Write("PUT", lambda world, obj, region: {"name": obj.name + "换"}, json=True, name="put"),
    )),
    RouteCase("api:organization-steps", API, FEDERATION, kwargs=by_org_pk, reads=(Probe(shows_own=False),),
              writes=(Write("POST", _step_body, json=True),)),
    RouteCase("api:organization-leaders", API, FEDERATION, kwargs=by_org_pk, reads=(Probe(shows_own=False),),
              writes=(Write("POST", lambda world, obj, region: {**_leader_body(world, obj, region), "is_returned_or_relative": True},
                            json=True),)),
    RouteCase("api:organization-activities", API, FEDERATION, kwargs=by_org_pk, reads=(Probe(shows_own=False),),
              writes=(Write("POST", _activity_body, json=True),)),
)

register(*import_export_cases(ORGANIZATION, "orgs.organization", Organization))
