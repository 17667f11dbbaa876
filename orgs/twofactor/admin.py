"""django-otp's admin pages are removed: a second factor is bound by its holder only (`/accounts/2fa/`), and reset by
the security administrator on the account pages; a device made in the admin would let whoever made it log in as its
holder."""
from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
