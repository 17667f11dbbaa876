"""The region picker of the pages: a region typed as code or full name, accepted only inside the user's
editable scope."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orgs.regions.models import Region


class ScopedRegionField(forms.CharField):
    """A region typed as its code or full name ("530423101" or "云南省玉溪市通海县河西镇"),
    accepted only inside the user's editable scope. Province scopes hold tens of thousands of
    regions: a text field with suggestions, not a select with every option."""

    checks_scope = True  # ScopedFormMixin hands it the user

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("help_text", _("填写区划代码或全称，如 530423101 或 云南省玉溪市通海县河西镇"))
        super().__init__(*args, **kwargs)
        self.user = None
        self.any_region = False  # every region accepted (the security administrator opening accounts anywhere)

    def prepare_value(self, value):
        if isinstance(value, Region):
            return value.code
        if isinstance(value, int):
            region = Region.objects.filter(pk=value).only("code").first()
            return region.code if region else value
        return value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        text = text.replace(" ", "")
        region = Region.objects.filter(code=text).first() or Region.objects.filter(full_name=text).first()
        if region is None:
            raise ValidationError(_("区划“%(value)s”不存在"), params={"value": text})
        if not self.any_region and not Region.objects.editable_by(self.user).filter(pk=region.pk).exists():
            raise ValidationError(_("区划“%(value)s”不在您的管辖范围内"), params={"value": region.full_name})
        return region
