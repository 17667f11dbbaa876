"""The demo data that `make run` loads: the national tree, the Yuxi key areas and one user per role."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from ..models import Membership, Region, RegionLevel, Role
from .regions import RegionImportResult, regions_import, regions_import_file

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
NATIONAL_REGIONS = FIXTURES / "regions_county.csv"
YUXI_PLAN = FIXTURES / "yuxi_plan_2020.csv"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    region_code: str | None
    description: str


DEMO_LOGINS = (
    DemoLogin("admin", Role.ADMIN, None, "系统管理员"),
    DemoLogin("yunnan_staff", Role.STAFF, "530000", "云南省侨联工作人员"),
    DemoLogin("yuxi_staff", Role.STAFF, "530400", "玉溪市侨联工作人员"),
    DemoLogin("tonghai_official", Role.COUNTY_OFFICIAL, "530423", "通海县统战部干部"),
    DemoLogin("huaning_official", Role.COUNTY_OFFICIAL, "530424", "华宁县统战部干部"),
    DemoLogin("yuxi_leader", Role.LEADERSHIP, "530400", "玉溪市领导小组（只读）"),
)


def yuxi_key_area_rows() -> list[dict[str, str]]:
    """Region rows for the 17 key areas of the Yuxi plan (is_key_area set).

    The plan names townships and villages without codes, and not the township of the key villages:
    townships get placeholder 9-digit codes under their county (0xx 街道, 1xx 镇), villages stay
    directly under their county with placeholder 12-digit codes (county + 000 + 2xx), until real
    division data replaces them by `import_regions`.
    """
    rows: list[dict[str, str]] = []
    counters: dict[tuple[str, str], int] = {}
    with YUXI_PLAN.open(encoding="utf-8-sig") as handle:
        for item in csv.DictReader(handle):
            county = item["county_code"]
            if item["item"] == "county_federation":
                continue
            name, level = item["name"], item["level"]
            if level == RegionLevel.TOWNSHIP:
                series = "0" if name.endswith("街道") else "1"
                n = counters[(county, series)] = counters.get((county, series), 0) + 1
                code = f"{county}{series}{n:02d}"
            else:
                n = counters[(county, "village")] = counters.get((county, "village"), 0) + 1
                code = f"{county}000{200 + n:03d}"
            rows.append({"code": code, "name": name, "level": level, "parent_code": county, "is_key_area": "1"})
    return rows


@transaction.atomic
def demo_regions_load() -> tuple[RegionImportResult, RegionImportResult]:
    """The national county-level tree, then the Yuxi key areas under it."""
    national = regions_import_file(NATIONAL_REGIONS)
    key_rows = yuxi_key_area_rows()
    key_areas = regions_import(key_rows, ["code", "name", "level", "parent_code", "is_key_area"])
    return national, key_areas


@transaction.atomic
def demo_users_create(password: str | None = None) -> list[DemoLogin]:
    """One user per role (see DEMO_LOGINS), with memberships; existing ones get the password reset."""
    password = password or settings.DEMO_PASSWORD
    User = get_user_model()
    regions = {r.code: r for r in Region.objects.filter(code__in=[d.region_code for d in DEMO_LOGINS if d.region_code])}
    for login in DEMO_LOGINS:
        user, _ = User.objects.get_or_create(username=login.username, defaults={"first_name": login.description})
        user.first_name = login.description
        user.is_superuser = login.role == Role.ADMIN
        user.is_staff = login.role in (Role.ADMIN, Role.STAFF)
        user.set_password(password)
        user.save()
        Membership.objects.get_or_create(
            user=user, role=login.role, region=regions.get(login.region_code) if login.region_code else None
        )
    return list(DEMO_LOGINS)


# The Yuxi plan names six counties without a county federation; the other three have one.
YUXI_COUNTIES_WITH_FEDERATION = (("530402", "红塔区侨联"), ("530426", "峨山县侨联"), ("530428", "元江县侨联"))


@transaction.atomic
def demo_organizations_create() -> int:
    """The county federations that already existed when the Yuxi plan was issued (idempotent)."""
    from ..models import Organization, OrganizationKind, OrganizationStatus

    created = 0
    for code, name in YUXI_COUNTIES_WITH_FEDERATION:
        region = Region.objects.get(code=code)
        _, was_created = Organization.objects.get_or_create(
            region=region, kind=OrganizationKind.COUNTY,
            defaults={"name": name, "status": OrganizationStatus.ACTIVE},
        )
        created += was_created
    return created
