"""Template context of every page: the signed-in user's scope (header, navigation) and unread inbox count."""

from django.utils.functional import SimpleLazyObject

from orgs.access.scoping import user_scope
from orgs.regions.selectors import scope_regions_for
from tasks.notifications.selectors import unread_count

# The namespaces of 组织建设: the main navigation's entry is active on them and they share its sub-navigation.
ORG_BUILDING_NAMESPACES = ("organizations", "designations", "training", "assessments")


def scope(request):
    """`scope` (the user's UserScope) and `scope_regions` (their membership regions), computed lazily; the
    namespaces of the 组织建设 navigation."""
    user = getattr(request, "user", None)
    return {
        "org_building_namespaces": ORG_BUILDING_NAMESPACES,
        "scope": SimpleLazyObject(lambda: user_scope(user)),
        "scope_regions": SimpleLazyObject(lambda: scope_regions_for(user)),
    }


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that never render the header (exports, API) pay nothing.
    return {"inbox_unread": SimpleLazyObject(lambda: unread_count(user))}
