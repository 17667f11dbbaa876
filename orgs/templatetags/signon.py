"""统一身份认证 in the pages: the login page's buttons and an account's identities (templates/signon/includes/)."""
from django import template

from orgs.signon.models import ExternalIdentity
from orgs.signon.providers import cas_enabled, oidc_enabled, signon_buttons

register = template.Library()


@register.inclusion_tag("signon/includes/buttons.html")
def signon_login_buttons(next_url: str = "") -> dict:
    """One "统一身份认证登录" button per platform switched on (none when both are off)."""
    return {"buttons": signon_buttons(), "next": next_url}


@register.inclusion_tag("signon/includes/account_identities.html")
def signon_account_identities(account) -> dict:
    """The account's 统一身份认证账号 (a line of the account page's facts)."""
    return {"identities": list(ExternalIdentity.objects.filter(user=account).order_by("provider")),
            "enabled": cas_enabled() or oidc_enabled()}
