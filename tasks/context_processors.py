"""The unread count of the header's inbox link: one cheap query, nothing for anonymous users."""
from django.utils.functional import SimpleLazyObject


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .selectors import unread_count

    # Lazy: pages that never render the header (exports, API) pay nothing.
    return {"inbox_unread": SimpleLazyObject(lambda: unread_count(user))}
