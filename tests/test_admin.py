"""The Django admin beyond the scope matrix: what a scoped staff user may and may not do in a form,
and the administrators' region import."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.regions.models import Region
from tests.scope.orgs import region_export_form, region_import_upload

pytestmark = pytest.mark.django_db


def form_of(region: Region, **changes) -> dict:
    data = {
        "code": region.code, "name": region.name, "level": region.level, "kind": region.kind,
        "parent": region.parent_id or "", "longitude": region.longitude or "", "latitude": region.latitude or "",
        "_save": "1",
    }
    data.update(changes)
    return data


def test_scoped_staff_edits_its_county_whose_parent_it_may_not_choose(client_for, tonghai_staff):
    """The parent (玉溪市) lies outside the editable scope; unchanged, it does not block other edits."""
    tonghai = Region.objects.get(code="530423")
    response = client_for(tonghai_staff).post(
        f"/admin/orgs/region/{tonghai.pk}/change/", form_of(tonghai, longitude="102.700000")
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    assert str(Region.objects.get(code="530423").longitude) == "102.700000"


def test_scoped_staff_cannot_add_a_province(client_for, tonghai_staff):
    response = client_for(tonghai_staff).post(
        "/admin/orgs/region/add/",
        {"code": "100000", "name": "测试省", "level": "province", "kind": "province", "parent": "", "_save": "1"},
    )
    assert response.status_code == 200 and "只有系统管理员" in response.content.decode()
    assert not Region.objects.filter(code="100000").exists()


def test_scoped_staff_cannot_grant_the_admin_role(client_for, tonghai_staff, huaning_official):
    tonghai = Region.objects.get(code="530423")
    response = client_for(tonghai_staff).post(
        "/admin/orgs/membership/add/", {"user": huaning_official.pk, "role": Role.ADMIN, "region": tonghai.pk, "_save": "1"}
    )
    assert response.status_code == 200 and "管理员角色只能由安全管理员" in response.content.decode()
    assert not Membership.objects.filter(role=Role.ADMIN, user=huaning_official).exists()


def test_scoped_staff_cannot_make_its_own_membership_national(client_for, tonghai_staff):
    membership = Membership.objects.get(user=tonghai_staff)
    response = client_for(tonghai_staff).post(
        f"/admin/orgs/membership/{membership.pk}/change/",
        {"user": tonghai_staff.pk, "role": Role.STAFF, "region": "", "_save": "1"},
    )
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.region.code == "530423" and membership.role == Role.COUNTY_OFFICIAL


def test_scoped_staff_cannot_widen_its_own_scope(client_for, tonghai_staff):
    membership = Membership.objects.get(user=tonghai_staff)
    yuxi = Region.objects.get(code="530400")
    client_for(tonghai_staff).post(
        f"/admin/orgs/membership/{membership.pk}/change/",
        {"user": tonghai_staff.pk, "role": Role.COUNTY_OFFICIAL, "region": yuxi.pk, "_save": "1"},
    )
    membership.refresh_from_db()
    assert membership.region.code == "530423"


def test_the_system_administrator_reads_memberships_and_accounts_but_changes_none(admin_client, huaning_official):
    """三员分立: roles and accounts are the security administrator's, on the account pages."""
    before = list(Membership.objects.order_by("pk").values_list("pk", "user_id", "role", "region_id"))
    response = admin_client.post(
        "/admin/orgs/membership/add/", {"user": huaning_official.pk, "role": Role.ADMIN, "region": "", "_save": "1"}
    )
    assert response.status_code == 403
    membership = Membership.objects.get(user=huaning_official)
    assert admin_client.get(f"/admin/orgs/membership/{membership.pk}/change/").status_code == 200  # read only
    assert admin_client.post(f"/admin/orgs/membership/{membership.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.post("/admin/auth/user/add/", {"username": "x", "password1": "Zz9!long-pass", "password2": "Zz9!long-pass"}).status_code == 403
    assert admin_client.post(f"/admin/auth/user/{huaning_official.pk}/password/", {"password1": "Zz9!long-pass", "password2": "Zz9!long-pass"}).status_code == 403
    assert admin_client.get("/admin/auth/user/").status_code == 200
    assert list(Membership.objects.order_by("pk").values_list("pk", "user_id", "role", "region_id")) == before


def test_leadership_staff_may_not_add(client_for, leader_staff):
    client = client_for(leader_staff)
    assert client.get("/admin/orgs/region/add/").status_code == 403
    assert client.get("/admin/orgs/region/").status_code == 200


def test_region_import_by_an_administrator(admin_client, world_regions):
    """Upload, preview (nothing written), confirm: the region is created with its path."""
    own = world_regions
    response = admin_client.post("/admin/orgs/region/import/", region_import_upload(None, None, own))
    assert response.status_code == 200, response.content.decode()[:1500]
    html = response.content.decode()
    assert not Region.objects.filter(code="530423196").exists()
    fields = dict(re.findall(r'name="(import_file_name|original_file_name|format|resource)"\s+value="([^"]*)"', html))
    assert fields.get("import_file_name"), html[:3000]
    response = admin_client.post("/admin/orgs/region/process_import/", fields)
    assert response.status_code == 302
    created = Region.objects.get(code="530423196")
    assert created.full_name == "云南省玉溪市通海县通海导入镇" and created.parent.code == "530423"


def test_region_import_rejects_bad_rows_and_writes_nothing(admin_client):
    count = Region.objects.count()
    csv = (
        "code,name,level,parent_code,longitude,latitude,kind,is_key_area\n"
        "530423196,好镇,township,530423,,,town,0\n"
        "53042319,坏镇,township,530423,,,town,0\n"
    ).encode()
    response = admin_client.post(
        "/admin/orgs/region/import/",
        {"resource": "0", "format": "0", "import_file": SimpleUploadedFile("r.csv", csv, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "格式不正确" in response.content.decode()
    assert "import_file_name" not in response.content.decode()
    assert Region.objects.count() == count


def test_region_import_refuses_control_characters_naming_the_column(admin_client):
    count = Region.objects.count()
    csv = (
        "code,name,level,parent_code,longitude,latitude,kind,is_key_area\n"
        "530423196,坏\x01镇,township,530423,,,town,0\n"
    ).encode()
    response = admin_client.post(
        "/admin/orgs/region/import/",
        {"resource": "0", "format": "0", "import_file": SimpleUploadedFile("r.csv", csv, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "【name】“坏\\x01镇”：含有不可见的控制字符 \\x01" in response.content.decode()
    assert "import_file_name" not in response.content.decode()
    assert Region.objects.count() == count


def test_admin_xlsx_export_survives_stored_control_characters(client_for, admin_user):
    """Names stored before input refused control characters (issue 18 §5) must not break the Excel export."""
    parent = Region.objects.get(code="530423")
    Region.objects.filter(pk=parent.pk).update(name="通海\x01县\x1f")
    form = region_export_form(None, None)
    model_admin = admin.site._registry[Region]
    form["format"] = str([f().get_title() for f in model_admin.get_export_formats()].index("xlsx"))
    response = client_for(admin_user).post("/admin/orgs/region/export/", form)
    assert response.status_code == 200, response.content[:300]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "通海县" in names


def test_admin_export_is_scoped(client_for, tonghai_staff):
    body = client_for(tonghai_staff).post("/admin/orgs/region/export/", region_export_form(None, None)).content.decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0] == "code,name,level,parent_code,longitude,latitude,kind,is_key_area"
    assert {line.split(",")[0] for line in lines[1:]} == set(
        Region.objects.get(code="530423").get_descendants(include_self=True).values_list("code", flat=True)
    )


@pytest.fixture
def world_regions(db):
    return Region.objects.get(code="530423")
