"""Scope-matrix cases of the orgs app and the project pages: region pages, the region API, the Region and
Membership admin with its import and export."""
from __future__ import annotations

import tempfile
import uuid

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from orgs.models import Membership, Region, RegionLevel, Role

from ..factories import MembershipFactory, RegionFactory, UserFactory
from .registry import ADMIN, ADMIN_METHODS, API, WEB, Placed, Probe, RouteCase, Write, register, scoped_admin_cases

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
    name = f"qiaolian-matrix-{uuid.uuid4().hex}.csv"
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
