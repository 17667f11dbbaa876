"""At login: whether the account has bound an authenticator (read by the middleware from the session, so that no page
asks the database again; an administrator's role is read with each request's scope)."""
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from orgs.twofactor.services import SESSION_KEY, has_second_factor


@receiver(user_logged_in, dispatch_uid="second_factor_at_login")
def second_factor_at_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = has_second_factor(user)
