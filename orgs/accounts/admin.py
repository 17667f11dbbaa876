"""三员分立 in Django's admin: accounts, groups and login lockouts are read there, never changed. Accounts are opened,
given roles and unlocked by the security administrator on the account pages (`/accounts/`), where each change is
checked (no account holds two administrator roles) and audited; the system administrator may not do it here."""
from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group


class ReadOnlyForAdministrators:
    """No add, change or delete (the bulk delete action goes with the delete permission)."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AccountUserAdmin(ReadOnlyForAdministrators, UserAdmin):
    pass


class AccountGroupAdmin(ReadOnlyForAdministrators, GroupAdmin):
    pass


class LockoutAttemptAdmin(ReadOnlyForAdministrators, AccessAttemptAdmin):
    pass


class LockoutLogAdmin(ReadOnlyForAdministrators, AccessLogAdmin):
    pass


class LockoutFailureLogAdmin(ReadOnlyForAdministrators, AccessFailureLogAdmin):
    pass


for model, model_admin in (
    (get_user_model(), AccountUserAdmin),
    (Group, AccountGroupAdmin),
    (AccessAttempt, LockoutAttemptAdmin),
    (AccessLog, LockoutLogAdmin),
    (AccessFailureLog, LockoutFailureLogAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
