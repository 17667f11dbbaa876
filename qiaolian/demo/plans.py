"""Demo data of plans and tasks (`load_demo`): the shipped plans, and a responsible person (county official)
for each 玉溪市 county that has no demo login, so every Yuxi task has someone to remind."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.accounts.models import AccountProfile
from orgs.common.channels import Channel
from orgs.regions.models import Region, RegionLevel
from qiaolian.demo.organizations import DEMO_LOGINS
from tasks.plans.models import Milestone, Task
from tasks.plans.services import (
    PlanLoadResult,
    counties_of_regions,
    plans_load,
    tasks_from_gaps,
)

YUXI = "530400"


@transaction.atomic
def demo_liaisons_create(password: str | None = None) -> int:
    """A county official `liaison_<code>` (with an e-mail) for each Yuxi county without one; e-mails for the
    demo logins that have none. Idempotent."""
    User = get_user_model()
    yuxi = Region.objects.get(code=YUXI)
    counties = list(Region.objects.within(yuxi).filter(level=RegionLevel.COUNTY).order_by("code"))
    staffed = set(Membership.objects.filter(role=Role.COUNTY_OFFICIAL, region__in=counties).values_list("region_id", flat=True))
    created = 0
    for county in counties:
        if county.pk in staffed:
            continue
        user, was_created = User.objects.get_or_create(
            username=f"liaison_{county.code}",
            defaults={"first_name": f"{county.name}联络员", "email": f"liaison_{county.code}@example.org"},
        )
        if was_created:
            user.set_password(password or settings.DEMO_PASSWORD)
            user.save()
            created += 1
        Membership.objects.get_or_create(user=user, role=Role.COUNTY_OFFICIAL, region=county)
    for user in User.objects.filter(email="", username__in=("yunnan_staff", "yuxi_staff", "tonghai_official", "huaning_official", "yuxi_leader")):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    return created


@transaction.atomic
def demo_plans_load(today: datetime.date | None = None) -> list[PlanLoadResult]:
    """Liaisons first (tasks are assigned to the county officials when created), then the plans; tasks that
    already exist without a responsible user get their county's officials."""

    demo_liaisons_create()
    results = plans_load(today=today or timezone.localdate())
    # Places the demo census finds required but missing get their tasks (other areas, units).
    for milestone in Milestone.objects.filter(plan__key="yuxi-2020").exclude(gap_levels=[]).order_by("deadline"):
        tasks_from_gaps(milestone=milestone)
    _assign_unassigned()
    return results


def _assign_unassigned() -> None:

    orphans = list(Task.objects.filter(responsible_users__isnull=True).values_list("pk", "region_id"))
    counties = counties_of_regions({r for _t, r in orphans})
    through = Task.responsible_users.through
    through.objects.bulk_create(
        [through(task_id=t, user_id=u) for t, r in orphans for u in counties[r].responsible_user_ids],
        ignore_conflicts=True,
    )


@transaction.atomic
def demo_channels_assign() -> tuple[str, int]:
    """With 企业微信 configured (WECOM_CORP_ID set), every demo account (the demo logins and the plan's liaisons) gets
    its user name as 企业微信 user id and 企业微信 as its channel; with only 钉钉 configured (DINGTALK_APP_KEY set),
    the same with 钉钉. Returns (channel, accounts); ("", 0) when neither is set. Idempotent."""
    if getattr(settings, "WECOM_CORP_ID", ""):
        channel, id_field = Channel.WECOM, "wecom_user_id"
    elif getattr(settings, "DINGTALK_APP_KEY", ""):
        channel, id_field = Channel.DINGTALK, "dingtalk_user_id"
    else:
        return "", 0
    usernames = [login.username for login in DEMO_LOGINS]
    users = list(get_user_model().objects.filter(Q(username__in=usernames) | Q(username__startswith="liaison_"))
                 .values_list("pk", "username"))
    have = set(AccountProfile.objects.filter(user_id__in=[pk for pk, _u in users]).values_list("user_id", flat=True))
    AccountProfile.objects.bulk_create(
        [AccountProfile(user_id=pk, must_change_password=False) for pk, _u in users if pk not in have])
    profiles = list(AccountProfile.objects.filter(user_id__in=[pk for pk, _u in users]).select_related("user"))
    for profile in profiles:
        setattr(profile, id_field, profile.user.username)
        profile.notify_channel = channel
    AccountProfile.objects.bulk_update(profiles, [id_field, "notify_channel"])
    return str(channel), len(profiles)
