"""The founding procedure of an organization (Yuxi plan 三(一)), as a table.

    planned → drafting (制定方案) → consulting (征求上级侨联意见) → approved (同级党组织批准)
            → congress (召开归侨侨眷代表大会，选举领导机构) → filed (选举结果报上级侨联备案) → active
    and dissolved.

Who does a step (the `side` of a transition):

* OWN — a user who may change the organization's region (`user_scope(user).edits_region(org.region)`:
  the county official or federation staff of that county, or staff above it). They start drafting,
  submit the plan for consultation, record the same-level party organization's approval (同级党组织批准),
  record the congress and submit the election result for filing; and abandon a plan not yet submitted.
* SUPERIOR — a user who may change the SUPERIOR's region: the region of the superior organization, or,
  without one, the parent region of the organization's region (玉溪市 for 通海县侨联). They answer the
  consultation (agree: recorded as its own step, the status stays `consulting`; or return the plan for
  revision: back to `drafting`), confirm the filing (filed → active) or return it (filed → congress), and
  dissolve an organization. A county official of 通海县 cannot answer or confirm their own county's steps;
  玉溪市 staff can. Leadership writes nothing (no editable scope); administrators may do every step.

The party approval (consulting → approved) is possible only once the superior agreed since the plan was
last submitted. A step's date may not lie in the future nor before the previous step's date.

Pure Python apart from the labels: `orgs.organizations.services.organization_transition` applies a step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # pragma: no cover
    from django_stubs_ext import StrOrPromise


class OrganizationStatus(models.TextChoices):
    """The founding procedure (Yuxi plan 三(一)), then active or dissolved."""

    PLANNED = "planned", _("计划成立")
    DRAFTING = "drafting", _("制定方案")
    CONSULTING = "consulting", _("征求上级侨联意见")
    APPROVED = "approved", _("同级党组织批准")
    CONGRESS = "congress", _("召开代表大会选举")
    FILED = "filed", _("报上级侨联备案")
    ACTIVE = "active", _("已成立")
    DISSOLVED = "dissolved", _("已撤销")


S = OrganizationStatus

OWN, SUPERIOR = "own", "superior"


@dataclass(frozen=True)
class Transition:
    action: str
    label: StrOrPromise
    sources: frozenset[str]
    target: str | None  # None: the status stays (the superior's answer to the consultation)
    side: str
    document_hint: StrOrPromise = ""
    guard: str = ""  # a named condition checked by the service ("consultation_agreed", "not_agreed")


CREATE = "create"
TRANSITIONS: tuple[Transition, ...] = (
    Transition("start_drafting", _("开始制定成立方案"), frozenset({S.PLANNED}), S.DRAFTING, OWN, _("成立工作方案（可选）")),
    Transition("submit_consultation", _("报上级侨联征求意见"), frozenset({S.DRAFTING}), S.CONSULTING, OWN, _("成立工作方案")),
    Transition(
        "agree_consultation", _("上级侨联同意（答复征求意见）"), frozenset({S.CONSULTING}), None, SUPERIOR,
        _("上级侨联复函"), guard="not_agreed",
    ),
    Transition("return_consultation", _("上级侨联退回修改"), frozenset({S.CONSULTING}), S.DRAFTING, SUPERIOR, _("修改意见")),
    Transition(
        "record_approval", _("记录同级党组织批准"), frozenset({S.CONSULTING}), S.APPROVED, OWN, _("批复文件"),
        guard="consultation_agreed",
    ),
    Transition("hold_congress", _("召开代表大会并选举领导机构"), frozenset({S.APPROVED}), S.CONGRESS, OWN, _("选举结果")),
    Transition("submit_filing", _("选举结果报上级侨联备案"), frozenset({S.CONGRESS}), S.FILED, OWN, _("备案报告")),
    Transition("confirm_filing", _("上级侨联确认备案（正式成立）"), frozenset({S.FILED}), S.ACTIVE, SUPERIOR, _("备案回执")),
    Transition("return_filing", _("上级侨联退回备案"), frozenset({S.FILED}), S.CONGRESS, SUPERIOR, _("退回意见")),
    Transition("abandon", _("放弃筹建"), frozenset({S.PLANNED, S.DRAFTING}), S.DISSOLVED, OWN),
    Transition(
        "dissolve", _("撤销组织"), frozenset({S.CONSULTING, S.APPROVED, S.CONGRESS, S.FILED, S.ACTIVE}), S.DISSOLVED,
        SUPERIOR, _("撤销决定"),
    ),
)
BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}

# The founding steps in order, for the timeline (what is done, what is next, what is still ahead).
PROCEDURE: tuple[str, ...] = (S.PLANNED, S.DRAFTING, S.CONSULTING, S.APPROVED, S.CONGRESS, S.FILED, S.ACTIVE)


def action_label(action: str) -> str:
    if action == CREATE:
        return str(_("列入成立计划"))
    transition = BY_ACTION.get(action)
    return str(transition.label) if transition else action


def transitions_from(status: str) -> list[Transition]:
    """Every transition the table allows from `status`, whoever may do it."""
    return [t for t in TRANSITIONS if status in t.sources]
