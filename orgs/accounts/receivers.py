"""The one-time initial password: noted in the session at login, and its obligation ended when its holder sets
their own."""
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from orgs.access.signals import password_changed
from orgs.accounts.middleware import SESSION_KEY
from orgs.accounts.models import AccountProfile
from orgs.signon.providers import signed_on_externally


@receiver(user_logged_in)
def initial_password_to_change(sender, request, user, **kwargs):
    """At login: whether the account still holds its one-time initial password (read by the middleware). A session
    signed on through 统一身份认证 never uses the local password, and is not made to set one."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = not signed_on_externally(request) and AccountProfile.objects.filter(
            user=user, must_change_password=True).exists()


@receiver(password_changed)
def initial_password_changed(sender, user, **kwargs):
    AccountProfile.objects.filter(user=user, must_change_password=True).update(must_change_password=False)
