"""The two small procedures of 机构登记 (Yuxi plan 三(二); Jiangxi 6), as a table.

    办事机构:            none → requested (申请设立办事机构) → approved (编制部门批准) → registered (按群众团体登记)
    统一社会信用代码:    none → needed (确定需要办理) → applied (提出申请) → assigned (赋码)

An office is allowed only where the charter allows one, as the plan quotes it: "根据工作需要，县级以上（含县级）和重点
侨乡的乡镇（街道）侨联可以下设办事机构" — a 县级侨联, or a 乡镇(街道)侨联 whose township is a key area (`is_key_area`).
Every step is recorded by the organization's own side (a user who may change its region); the 编制部门's approval and the
registration are recorded from their documents. Pure Python apart from the labels."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from orgs.organizations.models import OrganizationKind
from orgs.staffing.models import CreditCodeStatus, OfficeStatus

if TYPE_CHECKING:  # pragma: no cover
    from django_stubs_ext import StrOrPromise

OFFICE, CREDIT_CODE = "office", "credit_code"
CHARTER_CLAUSE = "根据工作需要，县级以上（含县级）和重点侨乡的乡镇（街道）侨联可以下设办事机构"


@dataclass(frozen=True)
class EstablishmentAction:
    action: str
    label: StrOrPromise
    track: str  # OFFICE or CREDIT_CODE: which status it moves
    source: str
    target: str
    document_hint: StrOrPromise = ""


ACTIONS: tuple[EstablishmentAction, ...] = (
    EstablishmentAction("request_office", _("申请设立办事机构"), OFFICE, OfficeStatus.NONE, OfficeStatus.REQUESTED, _("申请报告")),
    EstablishmentAction("approve_office", _("编制部门批准设立办事机构"), OFFICE, OfficeStatus.REQUESTED, OfficeStatus.APPROVED,
                        _("机构编制部门批复")),
    EstablishmentAction("register_office", _("按群众团体性质登记"), OFFICE, OfficeStatus.APPROVED, OfficeStatus.REGISTERED,
                        _("登记证书")),
    EstablishmentAction("need_credit_code", _("确定需要办理统一社会信用代码"), CREDIT_CODE, CreditCodeStatus.NONE,
                        CreditCodeStatus.NEEDED),
    EstablishmentAction("apply_credit_code", _("申请统一社会信用代码"), CREDIT_CODE, CreditCodeStatus.NEEDED,
                        CreditCodeStatus.APPLIED, _("申请材料")),
    EstablishmentAction("assign_credit_code", _("赋予统一社会信用代码"), CREDIT_CODE, CreditCodeStatus.APPLIED,
                        CreditCodeStatus.ASSIGNED, _("赋码证明")),
)
BY_ACTION: dict[str, EstablishmentAction] = {a.action: a for a in ACTIONS}


def action_label(action: str) -> str:
    found = BY_ACTION.get(action)
    return str(found.label) if found else action


def office_allowed(kind: str, region_is_key_area: bool) -> bool:
    """The charter's rule: a county federation, or a township federation of a key township (重点侨乡)."""
    return kind == OrganizationKind.COUNTY or (kind == OrganizationKind.TOWNSHIP and region_is_key_area)


def next_actions(office_status: str, credit_code_status: str, *, office_is_allowed: bool) -> list[EstablishmentAction]:
    """The steps the table allows now (the page offers only these)."""
    current = {OFFICE: office_status, CREDIT_CODE: credit_code_status}
    return [a for a in ACTIONS if current[a.track] == a.source and (a.track != OFFICE or office_is_allowed)]
