"""Reads of the sign-on pages: what the refusal page says, and whom it sends the person to."""
from __future__ import annotations

from django.contrib.auth import get_user_model

from orgs.signon.providers import provider_label
from orgs.signon.services import Refusal


def _opener(user):
    """Who opened the account (智慧团建 style: the level above) and where: (name, region), or None."""
    profile = getattr(user, "account", None)
    creator = getattr(profile, "created_by", None) if profile is not None else None
    if creator is None:
        return None
    membership = creator.memberships.select_related("region").filter(region__isnull=False).first()
    return {"name": creator.first_name or creator.username, "username": creator.username,
            "region": membership.region.full_name if membership is not None else ""}


def refusal_context(refusal: dict) -> dict:
    """The refusal page's context: the platform, the external subject, the reason, the account (when one was
    found) and who opened it."""
    user = None
    if refusal.get("user_id"):
        user = get_user_model().objects.select_related("account__created_by").filter(pk=refusal["user_id"]).first()
    return {
        "provider_label": provider_label(refusal.get("provider", "")),
        "subject": refusal.get("subject", ""),
        "reason": refusal.get("reason", Refusal.INVALID),
        "account": user,
        "opener": _opener(user) if user is not None else None,
        "Refusal": Refusal,
    }
