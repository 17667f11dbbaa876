"""The audit search form: date range, actor, event, model, object, address."""
from __future__ import annotations

import ipaddress

from auditlog.models import LogEntry
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from orgs.common.audit import AuditEvent

# What an entry records: auditlog's create / update / delete, or one of orgs.common.audit's events.
ACTION_CHOICES = [
    ("create", _("创建")),
    ("update", _("修改")),
    ("delete", _("删除")),
]
EVENT_CHOICES = [
    (AuditEvent.LOGIN, _("登录")),
    (AuditEvent.LOGIN_FAILED, _("登录失败")),
    (AuditEvent.LOGOUT, _("退出")),
    (AuditEvent.EXPORT, _("导出")),
    (AuditEvent.IMPORT, _("导入")),
    (AuditEvent.REVEAL, _("查看完整信息")),
    (AuditEvent.ACCOUNT, _("账号管理")),
    (AuditEvent.TWO_FACTOR, _("两步验证")),
    (AuditEvent.POLICY, _("建会门槛")),
    (AuditEvent.MERGE, _("合并")),
    (AuditEvent.CENSUS_ROUND, _("调查轮次")),
    (AuditEvent.JOB, _("后台任务")),
    (AuditEvent.SIGNON, _("统一身份认证登录")),
    (AuditEvent.SIGNON_REFUSED, _("统一身份认证被拒绝")),
]
ACTIONS = {"create": LogEntry.Action.CREATE, "update": LogEntry.Action.UPDATE, "delete": LogEntry.Action.DELETE}
PROJECT_APPS = ("orgs", "census", "tasks", "auth", "authtoken", "auditlog", "axes")
# django-axes names its models in English only
MODEL_LABELS = {
    "axes.accessattempt": _("登录失败记录"),
    "axes.accessattemptexpiration": _("登录失败记录有效期"),
    "axes.accessfailurelog": _("登录失败日志"),
    "axes.accesslog": _("登录日志"),
}


def model_choices() -> list[tuple[str, str]]:
    types = ContentType.objects.filter(app_label__in=PROJECT_APPS).order_by("app_label", "model")
    choices = []
    for content_type in types:
        model = content_type.model_class()
        label = MODEL_LABELS.get(f"{content_type.app_label}.{content_type.model}") or (
            model._meta.verbose_name if model is not None else content_type.model)
        choices.append((str(content_type.pk), f"{label}（{content_type.app_label}.{content_type.model}）"))
    return choices


class AuditSearchForm(forms.Form):
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(label=_("操作人（用户名）"), max_length=150, required=False)
    event = forms.ChoiceField(label=_("事件"), required=False, choices=[("", _("全部")), *ACTION_CHOICES, *EVENT_CHOICES])
    model = forms.ChoiceField(label=_("对象类型"), required=False)
    object_pk = forms.CharField(label=_("对象编号"), max_length=255, required=False)
    remote_addr = forms.CharField(label=_("IP 地址"), max_length=45, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model_field = self.fields["model"]
        assert isinstance(model_field, forms.ChoiceField)
        model_field.choices = [("", _("全部")), *model_choices()]

    def clean_remote_addr(self) -> str:
        value = self.cleaned_data["remote_addr"].strip()
        if value:
            try:
                ipaddress.ip_address(value)
            except ValueError:
                raise forms.ValidationError(_("请输入有效的 IP 地址")) from None
        return value

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期"))
        return cleaned
