"""The password page, which tells the project that a user changed their own password (accounts then lift the
one-time initial password's obligation)."""
from django.contrib.auth import views as auth_views

from orgs.access.signals import password_changed


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed.send(sender=type(self), user=form.user)
        return response
