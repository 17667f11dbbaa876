"""The roles a membership gives. Below everything else: scoping and the models both read it."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """用户角色."""

    ADMIN = "admin", _("系统管理员")
    STAFF = "staff", _("侨联工作人员")
    COUNTY_OFFICIAL = "county_official", _("县级统战/侨联干部")
    LEADERSHIP = "leadership", _("领导小组（只读）")


# The roles that change data (leadership only reads). Also reachable as `Role.WRITING_ROLES`.
WRITING_ROLES: frozenset[str] = frozenset({Role.ADMIN, Role.STAFF, Role.COUNTY_OFFICIAL})
Role.WRITING_ROLES = WRITING_ROLES  # type: ignore[attr-defined]
