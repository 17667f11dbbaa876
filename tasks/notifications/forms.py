"""The form of a user's notification channel."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tasks.notifications.models import Channel


class PreferenceForm(forms.Form):
    channel = forms.ChoiceField(label=_("通知方式"), choices=Channel.choices, widget=forms.RadioSelect)
