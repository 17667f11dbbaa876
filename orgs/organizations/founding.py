"""The founding procedure of an organization (Yuxi plan 三(一), 二(一)), as a table.

    planned → drafting (制定方案) → consulting (征求上级统战部、侨联意见) → approved (同级党组织批准)
            → candidates (候选人名单征求上级侨联意见) → congress (召开归侨侨眷代表大会，选举领导机构)
            → filed (选举结果报上级侨联备案) → active
    and dissolved.

Yuxi 三(一): "经向上级统战、侨联组织征求意见后，报同级党组织批准后，组织召开归侨侨眷代表大会，选举产生侨联领导机构
… 各级侨联组织领导机构候选人名单由同级党组织研究并征求上一级侨联意见后确定，选举结果报上一级侨联备案"; 二(一)
names the two bodies a county consults: "向市委统战部、市侨联征求意见后，报县（市、区）委批准".

Who does a step (the `side` of a transition):

* OWN — a user who may change the organization's region (`user_scope(user).edits_region(org.region)`:
  the county official or federation staff of that county, or staff above it). They start drafting,
  submit the plan for consultation, record the same-level party organization's approval (同级党组织批准),
  submit the candidate list the party organization decided, record the congress and submit the election
  result for filing; and abandon a plan not yet submitted.
* SUPERIOR — a user who may change the SUPERIOR's region: the region of the superior organization, or,
  without one, the parent region of the organization's region (玉溪市 for 通海县侨联). Two bodies answer the
  consultation: the superior 统战部 (玉溪市委统战部) and the superior 侨联 (玉溪市侨联). Each answers once per
  round (agree: recorded as its own step, the status stays `consulting`; or return the plan for revision:
  back to `drafting`, which ends the round). The 统战部 does not work in this system: the superior
  federation's staff record its answer, with its reply letter (复函) as the step's document, which is
  therefore required. The superior 侨联 also answers the candidate list (agree; or return: back to
  `approved`), confirms the filing (filed → active) or returns it (filed → congress), and dissolves an
  organization. A county official of 通海县 cannot answer or confirm their own county's steps; 玉溪市
  staff can. Leadership writes nothing (no editable scope); administrators may do every step.

The party approval (consulting → approved) is possible only once BOTH bodies agreed since the plan was
last submitted; the congress (candidates → congress) only once the superior 侨联 agreed the candidate list
since it was last submitted. Two steps carry records: `submit_candidates` the candidate list (`Candidate`
rows), `hold_congress` the delegates present and who was elected to which position (the elected become the
leading body, `LeadershipMember`). A step's date may not lie in the future nor before the previous step's date.

Pure Python apart from the labels: `orgs.organizations.services.organization_transition` applies a step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # pragma: no cover
    from django_stubs_ext import StrOrPromise


class OrganizationStatus(models.TextChoices):
    """The founding procedure (Yuxi plan 三(一)), then active or dissolved."""

    PLANNED = "planned", _("计划成立")
    DRAFTING = "drafting", _("制定方案")
    CONSULTING = "consulting", _("征求上级统战部、侨联意见")
    APPROVED = "approved", _("同级党组织批准")
    CANDIDATES = "candidates", _("候选人名单")
    CONGRESS = "congress", _("召开代表大会选举")
    FILED = "filed", _("报上级侨联备案")
    ACTIVE = "active", _("已成立")
    DISSOLVED = "dissolved", _("已撤销")


S = OrganizationStatus

OWN, SUPERIOR = "own", "superior"
# The two bodies that answer a consultation (Yuxi 二(一): "向市委统战部、市侨联征求意见").
UNITED_FRONT, FEDERATION = "united_front", "federation"


@dataclass(frozen=True)
class Transition:
    action: str
    label: StrOrPromise
    sources: frozenset[str]
    target: str | None  # None: the status stays (an agreement of one body)
    side: str
    document_hint: StrOrPromise = ""
    guard: str = ""  # a named condition checked by the service ("consultation_agreed", "candidates_agreed", "not_answered")
    body: str = ""  # an answer: the body that gives it (UNITED_FRONT, FEDERATION)
    answers: str = ""  # an answer: the submission it answers (a round starts at each such submission)
    document_required: bool = False
    payload: str = ""  # the records the step carries: "candidates" (the list) or "congress" (delegates, elected)
    named: StrOrPromise = ""  # an answer's label naming its body: "%(body)s同意" → "玉溪市委统战部同意"

    @property
    def agrees(self) -> bool:
        return bool(self.body) and self.target is None


CREATE = "create"
CONSULT, NOMINATE = "submit_consultation", "submit_candidates"
TRANSITIONS: tuple[Transition, ...] = (
    Transition("start_drafting", _("开始制定成立方案"), frozenset({S.PLANNED}), S.DRAFTING, OWN, _("成立工作方案（可选）")),
    Transition(CONSULT, _("报上级统战部、侨联征求意见"), frozenset({S.DRAFTING}), S.CONSULTING, OWN, _("成立工作方案")),
    Transition(
        "agree_united_front", _("上级统战部同意（录入复函）"), frozenset({S.CONSULTING}), None, SUPERIOR,
        _("统战部复函（必需）"), guard="not_answered", body=UNITED_FRONT, answers=CONSULT, document_required=True,
        named=_("%(body)s同意（录入复函）"),
    ),
    Transition(
        "return_united_front", _("上级统战部退回修改（录入复函）"), frozenset({S.CONSULTING}), S.DRAFTING, SUPERIOR,
        _("统战部复函（必需）"), guard="not_answered", body=UNITED_FRONT, answers=CONSULT, document_required=True,
        named=_("%(body)s退回修改（录入复函）"),
    ),
    Transition(
        "agree_consultation", _("上级侨联同意（答复征求意见）"), frozenset({S.CONSULTING}), None, SUPERIOR,
        _("上级侨联复函"), guard="not_answered", body=FEDERATION, answers=CONSULT, named=_("%(body)s同意（答复征求意见）"),
    ),
    Transition(
        "return_consultation", _("上级侨联退回修改"), frozenset({S.CONSULTING}), S.DRAFTING, SUPERIOR, _("修改意见"),
        guard="not_answered", body=FEDERATION, answers=CONSULT, named=_("%(body)s退回修改"),
    ),
    Transition(
        "record_approval", _("记录同级党组织批准"), frozenset({S.CONSULTING}), S.APPROVED, OWN, _("批复文件"),
        guard="consultation_agreed",
    ),
    Transition(
        NOMINATE, _("报送候选人名单（征求上级侨联意见）"), frozenset({S.APPROVED}), S.CANDIDATES, OWN,
        _("同级党组织研究确定候选人名单的文件"), payload="candidates",
    ),
    Transition(
        "agree_candidates", _("上级侨联同意候选人名单"), frozenset({S.CANDIDATES}), None, SUPERIOR, _("上级侨联复函"),
        guard="not_answered", body=FEDERATION, answers=NOMINATE, named=_("%(body)s同意候选人名单"),
    ),
    Transition(
        "return_candidates", _("上级侨联退回候选人名单"), frozenset({S.CANDIDATES}), S.APPROVED, SUPERIOR, _("退回意见"),
        guard="not_answered", body=FEDERATION, answers=NOMINATE, named=_("%(body)s退回候选人名单"),
    ),
    Transition(
        "hold_congress", _("召开代表大会并选举领导机构"), frozenset({S.CANDIDATES}), S.CONGRESS, OWN, _("选举结果"),
        guard="candidates_agreed", payload="congress",
    ),
    Transition("submit_filing", _("选举结果报上级侨联备案"), frozenset({S.CONGRESS}), S.FILED, OWN, _("备案报告")),
    Transition("confirm_filing", _("上级侨联确认备案（正式成立）"), frozenset({S.FILED}), S.ACTIVE, SUPERIOR, _("备案回执")),
    Transition("return_filing", _("上级侨联退回备案"), frozenset({S.FILED}), S.CONGRESS, SUPERIOR, _("退回意见")),
    Transition("abandon", _("放弃筹建"), frozenset({S.PLANNED, S.DRAFTING}), S.DISSOLVED, OWN),
    Transition(
        "dissolve", _("撤销组织"),
        frozenset({S.CONSULTING, S.APPROVED, S.CANDIDATES, S.CONGRESS, S.FILED, S.ACTIVE}), S.DISSOLVED,
        SUPERIOR, _("撤销决定"),
    ),
)
BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}
PAYLOAD_ACTIONS = frozenset(t.action for t in TRANSITIONS if t.payload)

# The founding steps in order, for the timeline (what is done, what is next, what is still ahead).
PROCEDURE: tuple[str, ...] = (
    S.PLANNED, S.DRAFTING, S.CONSULTING, S.APPROVED, S.CANDIDATES, S.CONGRESS, S.FILED, S.ACTIVE,
)


def action_label(action: str) -> str:
    if action == CREATE:
        return str(_("列入成立计划"))
    transition = BY_ACTION.get(action)
    return str(transition.label) if transition else action


def transitions_from(status: str) -> list[Transition]:
    """Every transition the table allows from `status`, whoever may do it."""
    return [t for t in TRANSITIONS if status in t.sources]


def round_answers(steps, submission: str) -> dict[str, Any]:
    """The answer of each body given since `submission` was last recorded (`steps` in the order recorded):
    {body: step}. A round starts at each submission; a return ends it (the status goes back)."""
    answers: dict[str, Any] = {}
    for step in steps:
        if step.action == submission:
            answers = {}
            continue
        transition = BY_ACTION.get(step.action)
        if transition is not None and transition.answers == submission:
            answers[transition.body] = step
    return answers


def round_agreed(steps, submission: str, bodies: tuple[str, ...]) -> bool:
    """Whether every one of `bodies` agreed since `submission` was last recorded."""
    answers = round_answers(steps, submission)
    return all(body in answers and BY_ACTION[answers[body].action].agrees for body in bodies)


# What each guard needs: the submission whose round counts and the bodies that must have agreed.
AGREEMENTS = {"consultation_agreed": (CONSULT, (UNITED_FRONT, FEDERATION)), "candidates_agreed": (NOMINATE, (FEDERATION,))}
