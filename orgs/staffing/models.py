"""机构登记与人员配备 (Yuxi plan 三(二), 三(三); Jiangxi 6): an organization's office (办事机构) and its registration
as a 群众团体, its 统一社会信用代码, the steps recorded on both, the 统战部 section responsible where there is no office,
and the posts (专职 / 兼职, how each is funded) of its staff.

Written only by `orgs.staffing.services`; the order of the steps is the table in `orgs.staffing.workflow`."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.access.scoping import ScopedQuerySet
from orgs.organizations.models import Employment, Organization


class OfficeStatus(models.TextChoices):
    """办事机构: requested → approved by the 编制部门 → registered as a 群众团体 (Yuxi plan 三(二))."""

    NONE = "none", _("未申请")
    REQUESTED = "requested", _("已申请设立办事机构")
    APPROVED = "approved", _("编制部门已批准")
    REGISTERED = "registered", _("已按群众团体登记")


class CreditCodeStatus(models.TextChoices):
    """统一社会信用代码 (Jiangxi 6: 为有需要的基层侨联组织协调办理): needed → applied → assigned."""

    NONE = "none", _("未办理")
    NEEDED = "needed", _("需要办理")
    APPLIED = "applied", _("已申请")
    ASSIGNED = "assigned", _("已赋码")


class PostFunding(models.TextChoices):
    """How a post is paid for (Yuxi plan 三(三): 增配统战部人员编制、政府购买服务、公益性岗位), or held besides another job."""

    ESTABLISHMENT = "establishment", _("编制")
    PURCHASED = "purchased", _("政府购买服务")
    PUBLIC_WELFARE = "public_welfare", _("公益性岗位")
    CONCURRENT = "concurrent", _("兼任（由所在单位保障）")


class EstablishmentQuerySet(ScopedQuerySet):
    region_field = "organization__region"


class Establishment(models.Model):
    """机构: one per organization that has taken a step (or named a section): where its office and its credit code
    stand, the code once assigned, and the 统战部 section responsible for its daily work when it has no office."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="establishment"
    )
    office_status = models.CharField(_("办事机构"), max_length=12, choices=OfficeStatus.choices, default=OfficeStatus.NONE)
    credit_code_status = models.CharField(
        _("统一社会信用代码办理"), max_length=12, choices=CreditCodeStatus.choices, default=CreditCodeStatus.NONE
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, default="")
    responsible_section = models.CharField(
        _("负责侨联日常工作的统战部科室"), max_length=64, blank=True, default="",
        help_text=_("暂未设立办事机构时，由县（市、区）委统战部内设科室负责侨联日常工作"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = EstablishmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("机构登记")
        verbose_name_plural = _("机构登记")

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_office_status_display()}"


def establishment_document_path(instance, filename: str) -> str:
    return f"orgs/establishment/{instance.organization_id}/{filename}"


class EstablishmentStep(models.Model):
    """One recorded step of the office or credit-code procedure: who recorded it, when, with which document (kept
    under MEDIA_ROOT, downloaded only through the organization's scoped route)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="establishment_steps"
    )
    action = models.CharField(_("步骤"), max_length=24)
    date = models.DateField(_("日期"))
    code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, default="")
    note = models.TextField(_("说明"), blank=True, default="")
    document = models.FileField(_("附件"), upload_to=establishment_document_path, blank=True, max_length=255)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办理人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="establishment_steps",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = EstablishmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("机构登记步骤")
        verbose_name_plural = _("机构登记步骤")
        ordering = ["organization_id", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.organization} · {self.action} · {self.date}"

    @property
    def document_name(self) -> str:
        name = self.document.name if self.document else None
        return name.rsplit("/", 1)[-1] if name else ""


class StaffPost(models.Model):
    """人员配备: one post of an organization's staff (Yuxi plan 三(三)): its title, who holds it, 专职 or 兼职, how it is
    funded, and whether the holder is 归侨侨眷."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("侨联组织"), on_delete=models.CASCADE, related_name="staff_posts"
    )
    title = models.CharField(_("岗位"), max_length=64)
    holder = models.CharField(_("在岗人员"), max_length=64, blank=True, default="")
    employment = models.CharField(_("专兼职"), max_length=10, choices=Employment.choices, default=Employment.PART_TIME)
    funding = models.CharField(_("保障方式"), max_length=16, choices=PostFunding.choices)
    is_returned_or_relative = models.BooleanField(_("归侨侨眷"), default=False)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = EstablishmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["organization_id", "employment", "pk"]

    def __str__(self) -> str:
        return f"{self.title}（{self.holder}）" if self.holder else self.title
