"""The demo data that `make run` loads: the national tree, the Yuxi key areas and one user per role."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.homes.models import (
    DesignationKind,
    DesignationLevel,
    DesignationNomination,
    DesignationStep,
    Home,
    HomeAssessment,
    HomeDesignation,
    NominationStatus,
)
from orgs.homes.nominations import reviewing_regions
from orgs.homes.services import home_standing_refresh
from orgs.organizations.election import Candidate, Congress
from orgs.organizations.founding import BY_ACTION, SUPERIOR, OrganizationStatus
from orgs.organizations.models import (
    Activity,
    ActivityDuty,
    AffiliatedAssociation,
    AssociationKind,
    FoundingStep,
    LeadershipMember,
    Organization,
    OrganizationKind,
    OverseasAssociation,
    WechatGroup,
)
from orgs.regions.models import Region, RegionLevel
from orgs.regions.services import (
    RegionImportResult,
    regions_import,
    regions_import_file,
)
from orgs.staffing.models import StaffPost

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
    DemoLogin("security_admin", Role.SECURITY_ADMIN, None, "安全管理员（账号、角色、登录锁定）"),
    DemoLogin("audit_admin", Role.AUDIT_ADMIN, None, "审计管理员（只读审计日志）"),
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
    demo_step_actors_fill()
    return list(DEMO_LOGINS)


def demo_step_actors_fill() -> int:
    """The demo's founding steps recorded before the demo users existed get their actors: 通海县's own
    steps tonghai_official, every other step yuxi_staff (玉溪市 staff act for the superior and, in the
    counties without a demo login, for the county)."""

    users = {u.username: u for u in get_user_model().objects.filter(username__in=["tonghai_official", "yuxi_staff"])}
    if len(users) < 2:
        return 0
    filled = []
    for step in FoundingStep.objects.filter(actor__isnull=True, note="演示数据").select_related("organization__region"):
        transition = BY_ACTION.get(step.action)
        superior_side = transition is not None and transition.side == SUPERIOR
        in_tonghai = step.organization.region.code.startswith("530423")
        step.actor = users["tonghai_official" if in_tonghai and not superior_side else "yuxi_staff"]
        filled.append(step)
    FoundingStep.objects.bulk_update(filled, ["actor"])
    return len(filled)


# The Yuxi plan names six counties without a county federation; the other three have one.
YUXI_COUNTIES_WITH_FEDERATION = (("530402", "红塔区侨联"), ("530426", "峨山县侨联"), ("530428", "元江县侨联"))


@transaction.atomic
def demo_organizations_create() -> int:
    """The county federations that already existed when the Yuxi plan was issued (idempotent)."""

    created = 0
    for code, name in YUXI_COUNTIES_WITH_FEDERATION:
        region = Region.objects.get(code=code)
        _, was_created = Organization.objects.get_or_create(
            region=region, kind=OrganizationKind.COUNTY,
            defaults={"name": name, "status": OrganizationStatus.ACTIVE},
        )
        created += was_created
    created += demo_grassroots_create()
    return created


# Grassroots federations of the demo, at various steps of the founding procedure (key areas of the Yuxi
# plan; no county federation, so that the county rollups stay those of the plan). (county code, name,
# organization name, kind, steps taken, superior county federation's name or "")
DEMO_GRASSROOTS = (
    ("530426", "双江街道", "双江街道侨联", "township", "confirm_filing", "峨山县侨联"),
    ("530428", "澧江街道", "澧江街道侨联", "township", "confirm_filing", "元江县侨联"),
    ("530402", "金州社区", "金州社区侨联", "village", "hold_congress", "红塔区侨联"),
    ("530423", "河西镇", "河西镇侨联", "township", "submit_consultation", ""),
    ("530423", "纳古镇", "纳古镇侨联", "township", "start_drafting", ""),
)
DEMO_STEP_PLAN = (
    # action, from, to, date (actors: see demo_step_actors_fill)
    ("create", "", "planned", "2021-03-01"),
    ("start_drafting", "planned", "drafting", "2021-03-15"),
    ("submit_consultation", "drafting", "consulting", "2021-04-20"),
    ("agree_united_front", "consulting", "consulting", "2021-05-08"),
    ("agree_consultation", "consulting", "consulting", "2021-05-10"),
    ("record_approval", "consulting", "approved", "2021-06-01"),
    ("submit_candidates", "approved", "candidates", "2021-06-10"),
    ("agree_candidates", "candidates", "candidates", "2021-06-25"),
    ("hold_congress", "candidates", "congress", "2021-07-18"),
    ("submit_filing", "congress", "filed", "2021-07-25"),
    ("confirm_filing", "filed", "active", "2021-08-10"),
)


DEMO_CANDIDATES = (
    # name, intended position, employment, 归侨侨眷
    ("李华侨", "chair", "part_time", True),
    ("王侨眷", "vice_chair", "part_time", True),
    ("张干部", "secretary_general", "full_time", False),
)


def demo_election_create(organization: Organization, steps: dict[str, FoundingStep]) -> None:
    """The records of the demo's candidate list and congress, as the founding service writes them: the list on its
    step, and once the congress is held, its delegates and the elected as the leading body (Yuxi plan 三(一))."""
    import datetime as dt

    nomination, congress = steps.get("submit_candidates"), steps.get("hold_congress")
    if nomination is None:
        return
    candidates = Candidate.objects.bulk_create(
        Candidate(organization=organization, nomination=nomination, order=order, name=name, position=position,
                  employment=employment, is_returned_or_relative=flag)
        for order, (name, position, employment, flag) in enumerate(DEMO_CANDIDATES)
    )
    if congress is None:
        return
    Congress.objects.create(organization=organization, step=congress, delegates_expected=60, delegates_present=54)
    leaders = LeadershipMember.objects.bulk_create(
        LeadershipMember(organization=organization, name=c.name, position=c.position, employment=c.employment,
                         is_returned_or_relative=c.is_returned_or_relative, term_start=congress.date,
                         term_end=congress.date.replace(year=congress.date.year + 5) - dt.timedelta(days=1))
        for c in candidates
    )
    for candidate, leader in zip(candidates, leaders, strict=True):
        candidate.elected_position, candidate.leader = candidate.position, leader
    Candidate.objects.bulk_update(candidates, ["elected_position", "leader"])


def demo_grassroots_create() -> int:
    """Grassroots federations at various steps, the active ones with leaders, a 侨胞之家 assessed on 五有,
    activities and networks (idempotent: parts are added only to organizations created now)."""
    import datetime as dt

    created = 0
    for county_code, place, name, kind, last_action, superior_name in DEMO_GRASSROOTS:
        region = Region.objects.filter(parent__code=county_code, name=place).first()
        if region is None or Organization.objects.filter(region=region, kind=kind).exists():
            continue
        superior = Organization.objects.filter(name=superior_name).first() if superior_name else None
        plan = DEMO_STEP_PLAN[: [s[0] for s in DEMO_STEP_PLAN].index(last_action) + 1]
        status = plan[-1][2]
        organization = Organization.objects.create(
            name=name, kind=kind, region=region, superior=superior, status=status,
            founded_on=dt.date(2021, 7, 18) if status == "active" else None,
            responsible_leader=f"{place}党委副书记", daily_affairs_cadre=f"{place}统战委员",
            daily_affairs_cadre_is_returned=place == "澧江街道",
            budget_funded=status == "active",
        )
        steps = FoundingStep.objects.bulk_create(
            FoundingStep(organization=organization, action=action, from_status=old, to_status=new,
                         date=dt.date.fromisoformat(day), note="演示数据")
            for action, old, new, day in plan
        )
        demo_election_create(organization, {step.action: step for step in steps})
        created += 1
        if status != "active":
            continue
        WechatGroup.objects.bulk_create([
            WechatGroup(organization=organization, kind="overseas", name=f"{place}海外乡亲联谊群", member_count=186),
            WechatGroup(organization=organization, kind="service", name=f"{place}侨界服务群", member_count=243),
        ])
        StaffPost.objects.bulk_create([
            StaffPost(organization=organization, title="兼职秘书长", holder="张干部", employment="part_time", funding="concurrent"),
            StaffPost(organization=organization, title="侨务专干", holder="陈侨眷", employment="full_time", funding="public_welfare",
                      is_returned_or_relative=True),
        ])
        AffiliatedAssociation.objects.create(organization=organization, kind=AssociationKind.CHAMBER, name=f"{place}侨商会")
        OverseasAssociation.objects.create(organization=organization, country="泰国", name="泰国云南会馆", since=dt.date(2022, 1, 5))
        Activity.objects.bulk_create([
            Activity(organization=organization, duty=ActivityDuty.WELFARE, title="春节走访慰问侨界困难群众",
                     held_on=dt.date(2026, 1, 25), participants=18, visits_left_behind_children=True,
                     visits_empty_nest_elderly=True),
            Activity(organization=organization, duty=ActivityDuty.LIAISON, title="海外乡亲中秋联谊会",
                     held_on=dt.date(2025, 9, 20), participants=120),
        ])
        full = place == "双江街道"
        home = Home.objects.create(organization=organization, name=f"{place}侨胞之家", address=f"{region.path}",
                                   area_sqm=120, opened_on=dt.date(2021, 10, 1))
        HomeAssessment.objects.create(
            home=home, assessed_on=dt.date(2026, 3, 1),
            has_organization=True, organization_evidence="2021年7月召开代表大会选举产生领导机构", organization_approach="own",
            has_team=True, team_evidence="主席、副主席、秘书长 3 人，委员 9 人", team_approach="own",
            has_funding=full, funding_evidence="经费列入街道财政预算" if full else "", funding_approach="guided" if full else "",
            funding_supporters="街道党工委、侨资企业" if full else "",
            has_venue=True, venue_evidence="街道党群服务中心 120 平方米", venue_approach="joint", venue_supporters="街道党群服务中心",
            has_activities=True, activities_evidence="近一年开展活动 2 次", activities_approach="participating",
            activities_supporters="县侨联、街道妇联",
        )
        home_standing_refresh(home)
        if full:
            # nominated by 峨山县, awarded by 玉溪市侨联 (the designation's only way in: its nomination's award step)
            city, province = reviewing_regions(region)
            nomination = DesignationNomination.objects.create(
                home=home, kind=DesignationKind.DEMONSTRATION, status=NominationStatus.AWARDED, city=city, province=province,
                note="五有达标，服务归侨侨眷成效明显",
            )
            DesignationStep.objects.bulk_create([
                DesignationStep(nomination=nomination, action="nominate", to_status=NominationStatus.NOMINATED,
                                date=dt.date(2026, 4, 10), note=nomination.note),
                DesignationStep(nomination=nomination, action="award", from_status=NominationStatus.NOMINATED,
                                to_status=NominationStatus.AWARDED, date=dt.date(2026, 5, 1)),
            ])
            HomeDesignation.objects.create(home=home, kind=DesignationKind.DEMONSTRATION, level=DesignationLevel.CITY,
                                           awarded_on=dt.date(2026, 5, 1), awarded_by="玉溪市侨联", nomination=nomination)
    demo_step_actors_fill()
    return created
