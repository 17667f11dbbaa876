"""The audit trail: model changes with before -> after and actor, logins, failed logins, logouts, exports."""
from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.regions.models import Region
from tests.factories import RegionFactory, UserFactory
from tests.scope.orgs import region_export_form

pytestmark = pytest.mark.django_db


def entries(model, action=None, **filters):
    queryset = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), **filters)
    if action is not None:
        queryset = queryset.filter(action=action)
    return queryset.order_by("pk")


def region_form(region: Region, **changes) -> dict:
    data = {
        "code": region.code, "name": region.name, "level": region.level, "kind": region.kind,
        "parent": region.parent_id or "", "longitude": region.longitude or "", "latitude": region.latitude or "",
        "_save": "1",
    }
    if region.is_key_area:
        data["is_key_area"] = "on"
    data.update(changes)
    return data


def test_admin_region_create_change_delete_are_logged(admin_client, admin_user):
    tonghai = Region.objects.get(code="530423")
    response = admin_client.post(
        "/admin/orgs/region/add/",
        {"code": "530423301", "name": "秀山街道", "level": "township", "kind": "subdistrict", "parent": tonghai.pk,
         "longitude": "", "latitude": "", "_save": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    town = Region.objects.get(code="530423301")
    assert town.full_name == "云南省玉溪市通海县秀山街道"
    created = entries(Region, LogEntry.Action.CREATE, object_pk=str(town.pk)).get()
    assert created.actor == admin_user
    assert created.changes_dict["name"] == ["None", "秀山街道"]
    assert "lft" not in created.changes_dict and "full_name" not in created.changes_dict

    response = admin_client.post(f"/admin/orgs/region/{town.pk}/change/", region_form(town, name="秀山镇", kind="town"))
    assert response.status_code == 302
    updated = entries(Region, LogEntry.Action.UPDATE, object_pk=str(town.pk)).get()
    assert updated.actor == admin_user
    assert updated.changes_dict["name"] == ["秀山街道", "秀山镇"]
    assert updated.remote_addr == "127.0.0.1"

    response = admin_client.post(f"/admin/orgs/region/{town.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Region.objects.filter(pk=town.pk).exists()
    deleted = entries(Region, LogEntry.Action.DELETE, object_pk=str(town.pk)).get()
    assert deleted.actor == admin_user


def test_admin_rename_renames_descendant_paths(admin_client):
    yuxi = Region.objects.get(code="530400")
    response = admin_client.post(f"/admin/orgs/region/{yuxi.pk}/change/", region_form(yuxi, name="玉溪新市"))
    assert response.status_code == 302
    assert Region.objects.get(code="530423").full_name == "云南省玉溪新市通海县"
    assert Region.objects.get(name="河西镇").full_name == "云南省玉溪新市通海县河西镇"
    change = entries(Region, LogEntry.Action.UPDATE, object_pk=str(yuxi.pk)).get()
    assert change.changes_dict["name"] == ["玉溪市", "玉溪新市"]


def test_admin_move_changes_paths_and_logs_the_parent(admin_client):
    tonghai = Region.objects.get(code="530423")
    qujing = Region.objects.get(code="530300")
    response = admin_client.post(f"/admin/orgs/region/{tonghai.pk}/change/", region_form(tonghai, parent=qujing.pk))
    assert response.status_code == 302
    tonghai.refresh_from_db()
    assert tonghai.full_name == "云南省曲靖市通海县"
    assert Region.objects.get(name="纳古镇").full_name == "云南省曲靖市通海县纳古镇"
    qujing.refresh_from_db()
    assert tonghai.is_descendant_of(qujing)
    layout = list(Region.objects.order_by("code").values_list("code", "tree_id", "lft", "rght", "depth"))
    Region.objects.partial_rebuild(tonghai.tree_id)
    assert list(Region.objects.order_by("code").values_list("code", "tree_id", "lft", "rght", "depth")) == layout
    change = entries(Region, LogEntry.Action.UPDATE, object_pk=str(tonghai.pk)).get()
    assert "parent" in change.changes_dict


def test_admin_refuses_a_parent_that_is_not_higher(admin_client):
    tonghai = Region.objects.get(code="530423")
    huaning = Region.objects.get(code="530424")
    response = admin_client.post(f"/admin/orgs/region/{tonghai.pk}/change/", region_form(tonghai, parent=huaning.pk))
    assert response.status_code == 200
    assert "必须高于" in response.content.decode()
    tonghai.refresh_from_db()
    assert tonghai.parent.code == "530400"


def test_admin_membership_create_change_delete_are_logged(client_for, tonghai_staff):
    """Scoped staff give roles in their county through the admin (the system administrator only reads there)."""
    admin_user = tonghai_staff
    admin_client = client_for(tonghai_staff)
    user = UserFactory(username="audited")
    tonghai = Region.objects.get(code="530423")
    huaning = tonghai.get_children().first()
    response = admin_client.post(
        "/admin/orgs/membership/add/", {"user": user.pk, "role": Role.COUNTY_OFFICIAL, "region": tonghai.pk, "_save": "1"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=user)
    created = entries(Membership, LogEntry.Action.CREATE, object_pk=str(membership.pk)).get()
    assert created.actor == admin_user and created.changes_dict["role"][1] == Role.COUNTY_OFFICIAL

    admin_client.post(
        f"/admin/orgs/membership/{membership.pk}/change/",
        {"user": user.pk, "role": Role.COUNTY_OFFICIAL, "region": huaning.pk, "_save": "1"},
    )
    updated = entries(Membership, LogEntry.Action.UPDATE, object_pk=str(membership.pk)).get()
    assert updated.changes_dict["region"] == [str(tonghai), str(huaning)] or updated.changes_dict["region"] == [
        str(tonghai.pk), str(huaning.pk)
    ]
    assert updated.actor == admin_user

    admin_client.post(f"/admin/orgs/membership/{membership.pk}/delete/", {"post": "yes"})
    assert entries(Membership, LogEntry.Action.DELETE, object_pk=str(membership.pk)).get().actor == admin_user


def test_login_failed_login_and_logout_are_logged(tonghai_official):
    client = Client()
    client.post("/accounts/login/", {"username": "tonghai_official", "password": "wrong"}, REMOTE_ADDR="10.3.3.3")
    failed = LogEntry.objects.filter(additional_data__event="login_failed").latest("pk")
    assert failed.additional_data["username"] == "tonghai_official"
    assert failed.actor is None and failed.remote_addr == "10.3.3.3"
    assert "wrong" not in str(failed.additional_data) + failed.object_repr

    client.post("/accounts/login/", {"username": "tonghai_official", "password": settings.DEMO_PASSWORD}, REMOTE_ADDR="10.3.3.3")
    login = LogEntry.objects.filter(additional_data__event="login").latest("pk")
    assert login.actor == tonghai_official and login.object_pk == str(tonghai_official.pk)
    assert login.remote_addr == "10.3.3.3"

    client.post("/accounts/logout/", REMOTE_ADDR="10.3.3.3")
    logout = LogEntry.objects.filter(additional_data__event="logout").latest("pk")
    assert logout.actor == tonghai_official


def test_region_csv_export_is_logged_with_count_and_format(tonghai_client, tonghai_official):
    response = tonghai_client.get("/regions/530423/export.csv")
    assert response.status_code == 200
    entry = LogEntry.objects.filter(additional_data__event="export").latest("pk")
    assert entry.actor == tonghai_official
    assert entry.additional_data == {"event": "export", "count": 5, "format": "csv"}
    assert entry.content_type == ContentType.objects.get_for_model(Region)
    assert entry.object_pk == ""  # an export is about the model, not one row
    assert "5" in entry.object_repr and "csv" in entry.object_repr


def test_admin_export_is_logged_with_count_and_format(tonghai_staff, client_for):
    RegionFactory(parent=Region.objects.get(code="530423"))
    response = client_for(tonghai_staff).post("/admin/orgs/region/export/", region_export_form(None, None))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    entry = LogEntry.objects.filter(additional_data__event="export").latest("pk")
    assert entry.actor == tonghai_staff
    assert entry.additional_data == {"event": "export", "count": 6, "format": "csv"}
