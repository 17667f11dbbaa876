"""The roles a membership gives. Below everything else: scoping and the models both read it.

三员分立 (等保 2.0): three administrators, none of whom holds another's role. The system administrator (`admin`)
runs the system and sees every region; the security administrator (`security_admin`) opens accounts, gives roles
and lifts lockouts; the audit administrator (`audit_admin`) reads the audit log and nothing else. An account that
holds one of the three holds no other role at all (`orgs.accounts.services`, and a database constraint on
`Membership`)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """用户角色."""

    ADMIN = "admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")
    STAFF = "staff", _("侨联工作人员")
    COUNTY_OFFICIAL = "county_official", _("县级统战/侨联干部")
    LEADERSHIP = "leadership", _("领导小组（只读）")


# The roles that change data (leadership only reads). Also reachable as `Role.WRITING_ROLES`.
WRITING_ROLES: frozenset[str] = frozenset({Role.ADMIN, Role.STAFF, Role.COUNTY_OFFICIAL})
Role.WRITING_ROLES = WRITING_ROLES  # type: ignore[attr-defined]

# The three administrators (三员): no region, a second factor at login, never two on one account.
ADMINISTRATOR_ROLES: frozenset[str] = frozenset({Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


def is_administrator_role(role: str) -> bool:
    return role in ADMINISTRATOR_ROLES
