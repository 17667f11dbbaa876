"""The leadership group of a plan (组织领导, Yuxi 四): its name, where its office sits (办公室), and its members —
组长, 副组长, 成员, 办公室主任 and 办公室副主任 — as records of the plan, written by the plan's writers.

Yuxi 四 as shipped (fixtures/plans/yuxi_2020.json, `leadership_group`): "成立市委统战部主要领导任组长，市委统战部分管
副部长和市侨联主要领导任副组长，市委统战部、市侨联相关领导和科室负责人为成员的全市侨联组织建设工作领导小组。领导小组下设
办公室在市侨联，由市侨联党组书记、主席罗云川兼任办公室主任，市委统战部三级主任科员郭照明和四级主任科员李云东任办公室副主任".
A group has at most one 组长 and one 办公室主任. Each write is one transaction; the models are in the audit trail."""
from __future__ import annotations

from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from orgs.access.scoping import user_scope
from tasks.plans.models import LeadershipRole, Plan, PlanLeadershipMember

SINGLE_ROLES = frozenset({LeadershipRole.LEADER, LeadershipRole.OFFICE_DIRECTOR})
MEMBER_FIELDS = ("role", "name", "post", "order")


def _refuse(message: str, field: str | None = None) -> NoReturn:
    raise ValidationError({field: message} if field else message)


def leadership_writable(user, plan: Plan) -> bool:
    """The plan's writers (staff and county officials of its region, administrators) keep its group."""
    scope = user_scope(user)
    return scope.can_write and scope.edits_region(plan.scope_region)


def _require_writable(user, plan: Plan) -> None:
    if not leadership_writable(user, plan):
        raise PermissionDenied(_("“%(region)s”不在您可制定方案的范围内") % {"region": plan.scope_region.full_name})


def _member_validate(member: PlanLeadershipMember) -> None:
    member.name, member.post = (member.name or "").strip(), (member.post or "").strip()
    if member.role not in LeadershipRole.values:
        _refuse(_("未知的领导小组职务“%(value)s”") % {"value": member.role}, "role")
    if not member.post:
        _refuse(_("请填写单位及职务（方案只写职务时，照录职务，如“市委统战部主要领导”）"), "post")
    if len(member.post) > 200:
        _refuse(_("单位及职务超过 200 字"), "post")
    if len(member.name) > 64:
        _refuse(_("姓名“%(value)s…”超过 64 字") % {"value": member.name[:10]}, "name")
    if member.role in SINGLE_ROLES:
        other = PlanLeadershipMember.objects.filter(plan=member.plan, role=member.role).exclude(pk=member.pk).first()
        if other is not None:
            _refuse(_("领导小组已有%(role)s（%(who)s），只能有一位")
                    % {"role": LeadershipRole(member.role).label, "who": other.name or other.post}, "role")


def _next_order(plan: Plan) -> int:
    return (plan.leadership_members.aggregate(n=Max("order"))["n"] or 0) + 1


@transaction.atomic
def leadership_member_add(*, plan: Plan, editor, role: str, post: str, name: str = "", order: int | None = None) -> PlanLeadershipMember:
    """Adds a member of the plan's leadership group (at the end unless `order` is given)."""
    _require_writable(editor, plan)
    member = PlanLeadershipMember(plan=plan, role=role, name=name or "", post=post or "",
                                  order=order if order is not None else _next_order(plan))
    _member_validate(member)
    member.save()
    return member


@transaction.atomic
def leadership_member_update(*, member: PlanLeadershipMember, editor, **changes: Any) -> PlanLeadershipMember:
    _require_writable(editor, member.plan)
    unknown = sorted(set(changes) - set(MEMBER_FIELDS))
    if unknown:
        _refuse(_("不能在此修改：%(fields)s") % {"fields": "、".join(unknown)})
    member = PlanLeadershipMember.objects.select_for_update().select_related("plan").get(pk=member.pk)
    for key, value in changes.items():
        if value is not None:
            setattr(member, key, value)
    _member_validate(member)
    member.save()
    return member


@transaction.atomic
def leadership_member_remove(*, member: PlanLeadershipMember, editor) -> None:
    _require_writable(editor, member.plan)
    member.delete()


@transaction.atomic
def leadership_office_set(*, plan: Plan, editor, leadership_group: str, leadership_office: str) -> Plan:
    """Names the plan's leadership group and where its office (办公室) sits."""
    _require_writable(editor, plan)
    plan.leadership_group = (leadership_group or "").strip()[:128]
    plan.leadership_office = (leadership_office or "").strip()[:128]
    plan.save(update_fields=["leadership_group", "leadership_office", "updated_at"])
    return plan


def leadership_group_load(plan: Plan, spec: dict | None) -> int:
    """The group as a shipped plan's JSON writes it (`leadership_group`: name, office, members [{role, name, post}]):
    replaces the plan's group, so loading again changes nothing. Returns the number of members."""
    if not spec:
        return 0
    plan.leadership_group = spec.get("name", "")
    plan.leadership_office = spec.get("office", "")
    plan.save(update_fields=["leadership_group", "leadership_office", "updated_at"])
    plan.leadership_members.all().delete()
    members = [
        PlanLeadershipMember(plan=plan, role=m["role"], name=m.get("name", ""), post=m["post"], order=i)
        for i, m in enumerate(spec.get("members", []), start=1)
    ]
    PlanLeadershipMember.objects.bulk_create(members)
    return len(members)
