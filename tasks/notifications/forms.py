"""The form of a user's own notification channel (on the inbox page): only the channels offered now."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.common.channels import channel_choices
from tasks.notifications.models import OutboxChannel, OutboxStatus


class PreferenceForm(forms.Form):
    channel = forms.ChoiceField(label=_("通知方式"), choices=(), widget=forms.RadioSelect)
    immediate = forms.BooleanField(label=_("任务指派等即时通知也通过所选方式发送"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        channel = self.fields["channel"]
        assert isinstance(channel, forms.ChoiceField)
        channel.choices = channel_choices()


class OutboxFilterForm(forms.Form):
    """The filter of 消息发送: a channel and a status (empty: all); values the form does not know are ignored."""

    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=[("", _("全部渠道")), *OutboxChannel.choices])
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *OutboxStatus.choices])

    def chosen(self) -> tuple[str, str]:
        if not self.is_valid():
            return "", ""
        return self.cleaned_data.get("channel", ""), self.cleaned_data.get("status", "")
