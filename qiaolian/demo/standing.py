"""The demo's trainings, volunteers and yearly 督查考核 (issue 17 §3, §4), written through the services as 玉溪市
staff would: a volunteer for each founded grassroots federation, a training of 峨山县侨联 attended by 双江街道侨联's
leaders and volunteer, and 玉溪市's scoring sheet of the year with the assessments of the founded federations."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from orgs.assessments.models import ScoringSheet
from orgs.assessments.services import assessment_save, can_assess, sheet_create
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import LeadershipMember, Organization, OrganizationKind
from orgs.regions.models import Region
from orgs.training.models import AttendeeRole
from orgs.training.services import attendance_add, training_create, volunteer_add

DEMO_SHEET_ITEMS = (
    ("组织建设：按期换届，领导机构健全，负责人明确", 25),
    ("队伍建设：专兼职干部配备，参加培训，志愿者队伍", 20),
    ("阵地建设：侨胞之家“五有”达标", 20),
    ("活动开展：联谊交流、为侨服务、侨情调查", 25),
    ("经费保障：工作经费列入同级财政预算", 10),
)
DEMO_GRADES = (("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", 0))
# The share of each item's points the demo gives, per federation (the rest get the middle one).
DEMO_SHARES = {"双江街道侨联": 0.95, "澧江街道侨联": 0.82, "红塔区侨联": 0.88, "元江县侨联": 0.7}


@transaction.atomic
def demo_standing_create(username: str = "yuxi_staff") -> int:
    """Idempotent: nothing is added once 玉溪市 has its sheet of the year. Returns the assessments recorded."""
    today = timezone.localdate()
    yuxi = Region.objects.get(code="530400")
    if ScoringSheet.objects.filter(region=yuxi, year=today.year).exists():
        return 0
    actor = get_user_model().objects.get(username=username)
    founded = list(
        Organization.objects.filter(region__tree_id=yuxi.tree_id, region__lft__gte=yuxi.lft, region__rght__lte=yuxi.rght,
                                    status=OrganizationStatus.ACTIVE).select_related("region").order_by("pk")
    )
    volunteers = {
        org.pk: volunteer_add(organization=org, actor=actor, name=f"{org.region.name}志愿者杨侨", joined_on=dt.date(2025, 3, 1),
                              phone="13908771234", is_returned_or_relative=True, skills="归侨侨眷政策咨询、走访慰问")
        for org in founded if org.kind in (OrganizationKind.TOWNSHIP, OrganizationKind.VILLAGE)
    }
    organizer = next((o for o in founded if o.name == "峨山县侨联"), None)
    shuangjiang = next((o for o in founded if o.name == "双江街道侨联"), None)
    if organizer is not None and shuangjiang is not None:
        training = training_create(organizer=organizer, actor=actor, held_on=today - dt.timedelta(days=40),
                                   topic="基层侨联干部和“侨胞之家”负责人业务培训", hours="6", place="峨山县党群服务中心")
        for leader in LeadershipMember.objects.filter(organization=shuangjiang).order_by("pk")[:2]:
            attendance_add(training=training, actor=actor, role=AttendeeRole.CADRE, leader=leader)
        if shuangjiang.pk in volunteers:
            attendance_add(training=training, actor=actor, role=AttendeeRole.VOLUNTEER, volunteer=volunteers[shuangjiang.pk])
        attendance_add(training=training, actor=actor, role=AttendeeRole.CADRE, name="峨山县侨联干部周明")
    sheet = sheet_create(actor=actor, region=yuxi, year=today.year, name=f"玉溪市{today.year}年度基层侨联组织建设督查考核评分表",
                         items=DEMO_SHEET_ITEMS, grades=DEMO_GRADES)
    items = list(sheet.items.order_by("order", "pk"))
    assessed = 0
    for org in founded:
        if not can_assess(actor, org):
            continue
        share = DEMO_SHARES.get(org.name, 0.75)
        assessment_save(actor=actor, organization=org, year=today.year,
                        scores={item.pk: round(float(item.max_points) * share) for item in items},
                        assessed_on=today - dt.timedelta(days=5), note="演示数据")
        assessed += 1
    return assessed
