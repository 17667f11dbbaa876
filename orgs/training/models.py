"""培训与志愿者 (Jiangxi 10, 40; Yuxi 三(五)): training sessions an organization holds for 基层侨联专兼职干部、
"侨胞之家"负责人 and 侨联志愿者, who attended them, and each organization's volunteer register.

These models know organizations (above them) and nothing of the census: a registered person (census `Person`)
is linked to a volunteer or a leading-body member on the census side (`census.registry.models.PersonRecordLink`),
so that `orgs` never imports `census`."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs.access.scoping import ScopedQuerySet
from orgs.common.phones import PhoneFieldsMixin


class VolunteerQuerySet(ScopedQuerySet):
    region_field = "organization__region"


class Volunteer(PhoneFieldsMixin, models.Model):
    """侨联志愿者 (Jiangxi 10 培养侨联志愿者): one volunteer on an organization's register."""

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="volunteers"
    )
    name = models.CharField(_("姓名"), max_length=64)
    is_returned_or_relative = models.BooleanField(_("归侨侨眷"), default=False)
    skills = models.CharField(_("特长与服务领域"), max_length=255, blank=True, default="")
    joined_on = models.DateField(_("加入日期"))
    active = models.BooleanField(_("在册"), default=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("侨联志愿者")
        verbose_name_plural = _("侨联志愿者")
        ordering = ["organization_id", "-active", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class AttendeeRole(models.TextChoices):
    """Who a training is for (Jiangxi 40): 专兼职干部, "侨胞之家"负责人, 侨联志愿者."""

    CADRE = "cadre", _("基层侨联干部")
    HOME_HEAD = "home_head", _("侨胞之家负责人")
    VOLUNTEER = "volunteer", _("侨联志愿者")


class TrainingQuerySet(ScopedQuerySet):
    region_field = "organizer__region"


class Training(models.Model):
    """培训: one session an organization held (Jiangxi 40 持续开展……培训活动; Yuxi 三(五)), scoped by the organiser's region."""

    organizer = models.ForeignKey(
        "orgs.Organization", verbose_name=_("主办组织"), on_delete=models.PROTECT, related_name="trainings"
    )
    held_on = models.DateField(_("培训日期"))
    topic = models.CharField(_("培训主题"), max_length=128)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    place = models.CharField(_("培训地点"), max_length=128, blank=True, default="")
    note = models.TextField(_("备注"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="recorded_trainings",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["organizer", "held_on"], name="training_organizer_date_idx")]

    def __str__(self) -> str:
        return f"{self.topic}（{self.held_on}）"


class TrainingAttendanceQuerySet(ScopedQuerySet):
    region_field = "training__organizer__region"


class TrainingAttendance(models.Model):
    """One attendee of a training: a leading-body member or a volunteer on record, or a person without a record
    (federation staff, a home's head not in the leading body) by name. `name` is always kept (copied from the
    record), and `organization` is the attendee's own organization (the record's; the organiser for a name), which
    places the attendee in a county for the report. The same record, or the same name without a record, once per
    training."""

    training = models.ForeignKey(Training, verbose_name=_("培训"), on_delete=models.CASCADE, related_name="attendances")
    role = models.CharField(_("参训身份"), max_length=12, choices=AttendeeRole.choices)
    leader = models.ForeignKey(
        "orgs.LeadershipMember", verbose_name=_("领导机构成员"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="training_attendances",
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="training_attendances",
    )
    name = models.CharField(_("姓名"), max_length=64)
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("所在组织"), on_delete=models.PROTECT, related_name="training_attendances"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = TrainingAttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("参训人员")
        verbose_name_plural = _("参训人员")
        ordering = ["training_id", "role", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["training", "leader"], condition=Q(leader__isnull=False),
                                    name="training_attendance_leader_once"),
            models.UniqueConstraint(fields=["training", "volunteer"], condition=Q(volunteer__isnull=False),
                                    name="training_attendance_volunteer_once"),
            models.UniqueConstraint(fields=["training", "name"], condition=Q(leader__isnull=True, volunteer__isnull=True),
                                    name="training_attendance_name_once"),
            models.CheckConstraint(condition=~Q(leader__isnull=False, volunteer__isnull=False),
                                   name="training_attendance_one_record"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"

    @property
    def has_record(self) -> bool:
        return self.leader_id is not None or self.volunteer_id is not None
