"""Template context: the signed-in user's scope, for the header and navigation."""
from django.utils.functional import SimpleLazyObject

from .scoping import user_scope
from .selectors import scope_regions_for


def scope(request):
    """`scope` (the user's UserScope) and `scope_regions` (their membership regions), computed lazily."""
    user = getattr(request, "user", None)
    return {
        "scope": SimpleLazyObject(lambda: user_scope(user)),
        "scope_regions": SimpleLazyObject(lambda: scope_regions_for(user)),
    }
