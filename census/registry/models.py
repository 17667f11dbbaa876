"""The census registry (侨情调查): campaigns (rounds), the people registered, their history and headcounts."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.access.scoping import ScopedQuerySet
from orgs.common import identifiers
from orgs.common.phones import PhoneFieldsMixin
from orgs.regions.models import Region
from orgs.units.models import Unit

if TYPE_CHECKING:  # pragma: no cover
    from census.registry.selectors import ChangeLine


class CampaignQuerySet(ScopedQuerySet):
    """A campaign is visible to users inside its region and to those above it."""

    region_field = "region"
    visible_includes_ancestors = True


class Campaign(models.Model):
    """侨情调查: one census round (yearly) over a region; its headcount snapshots give trends."""

    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=128)
    region = models.ForeignKey(Region, verbose_name=_("调查范围"), on_delete=models.PROTECT, related_name="campaigns")
    is_open = models.BooleanField(_("进行中"), default=True)
    deadline = models.DateField(_("截止日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("侨情调查")
        verbose_name_plural = _("侨情调查")
        ordering = ["-year", "region__code"]
        constraints = [models.UniqueConstraint(fields=["year", "region"], name="campaign_unique_year_region")]

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    """侨务工作对象类别."""

    RETURNED = "returned", _("归侨")
    RELATIVE = "relative", _("侨眷")
    OVERSEAS = "overseas", _("华侨")
    FOREIGN_CHINESE = "foreign_chinese", _("外籍华人")
    STUDENT = "student", _("留学人员")
    STUDENT_RELATIVE = "student_relative", _("留学人员眷属")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class DocumentType(models.TextChoices):
    """证件类型: the identity document a person is registered by (its rule: orgs.common.identifiers)."""

    RESIDENT_ID = identifiers.RESIDENT_ID, _("居民身份证")
    PASSPORT = identifiers.PASSPORT, _("护照")
    HK_MACAO_PERMIT = identifiers.HK_MACAO_PERMIT, _("港澳居民来往内地通行证")
    TAIWAN_PERMIT = identifiers.TAIWAN_PERMIT, _("台湾居民来往大陆通行证")
    FOREIGN_PR = identifiers.FOREIGN_PR, _("外国人永久居留身份证")
    RESIDENCE_PERMIT = identifiers.RESIDENCE_PERMIT, _("港澳台居民居住证")
    OTHER = identifiers.OTHER_DOCUMENT, _("其他")


class PersonQuerySet(ScopedQuerySet):
    region_field = "region"


class Person(PhoneFieldsMixin, models.Model):
    """侨务工作对象: one registered person, by an identity document (a resident ID, or a passport, a permit …).
    The document number is stored encrypted, found by a keyed hash of (type, number) and shown masked; one
    document is one record across the whole registry. Further documents of the same person: PersonDocument.
    The phone is stored the same way (orgs.common.phones: `phone` reads and writes the three columns)."""

    name = models.CharField(_("姓名"), max_length=64)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    id_type = models.CharField(_("证件类型"), max_length=16, choices=DocumentType.choices, default=DocumentType.RESIDENT_ID)
    id_number_encrypted = models.TextField(_("证件号码（密文）"), editable=False)
    # On PostgreSQL in the "C" collation, as phone_hash (census 0023): hexadecimal digits, compared byte by byte.
    id_number_hash = models.CharField(_("证件号码索引"), max_length=64, editable=False)
    id_number_masked = models.CharField(_("证件号码"), max_length=32, editable=False)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    # Indexed together with the category (Meta.indexes), which serves look-ups by region alone too.
    region = models.ForeignKey(Region, verbose_name=_("居住地"), on_delete=models.PROTECT, related_name="persons", db_index=False)
    unit = models.ForeignKey(
        Unit, verbose_name=_("工作单位"), on_delete=models.PROTECT, null=True, blank=True, related_name="persons", db_index=False
    )
    country = models.CharField(_("侨居国(地区)"), max_length=64, blank=True, default="")
    is_needy = models.BooleanField(_("困难群众"), default=False)
    is_left_behind_child = models.BooleanField(_("留守儿童"), default=False)
    is_empty_nest_elderly = models.BooleanField(_("空巢老人"), default=False)
    is_high_level_talent = models.BooleanField(_("高层次人才"), default=False)
    is_new_overseas = models.BooleanField(_("新侨"), default=False)
    # Not indexed: a handful of campaigns over a million people is no selective index, and every
    # index costs each bulk-imported row (a campaign's deletion, which scans, is rare). No database
    # constraint either (census 0023): its check ran once per imported row at COMMIT, 100,000 probes of the
    # same campaign (≈ 0.3 s). An import's campaign cannot go while the rows are written: the import's
    # record holds it (CensusImport.campaign, PROTECT, with its constraint); Django sets the field to
    # NULL when a campaign is deleted.
    verified_campaign = models.ForeignKey(
        Campaign, verbose_name=_("最近核实的调查"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False, db_constraint=False,
    )
    notes = models.TextField(_("备注"), blank=True, default="")
    # The import that registered this person, if one did: their history shows that registration (who,
    # when, which file) from the import's record instead of one history row per imported person. Only
    # the import pipeline sets it, to the record it runs for; records are never deleted (PROTECT). No
    # database constraint: its check would run once per imported row at COMMIT (≈ 0.4 s per 100,000).
    registered_by_import = models.ForeignKey(
        "CensusImport", verbose_name=_("登记来源（导入）"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", editable=False, db_index=False, db_constraint=False,
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("侨务工作对象")
        verbose_name_plural = _("侨务工作对象")
        permissions = [("reveal_id_number", _("可查看完整证件号码和电话"))]
        # Few indexes on purpose: each one is written for every imported row (see docs/benchmarks.md).
        # The name is searched with "contains", which no b-tree serves; lists are ordered by region.
        # On PostgreSQL besides (migrations): person_region_name_idx, (region, name varchar_pattern_ops) INCLUDE
        # (category), for the scoped name search and the counts by place and category (census 0019, 0025); SQLite
        # keeps a (region, category) index of before instead.
        indexes = [
            models.Index(fields=["unit"], name="person_unit_idx", condition=models.Q(unit__isnull=False)),
            # 可能重复 (census.importing.duplicates): the names and birth dates of a region's few people of other
            # documents than a resident ID, which every row of an import is compared with (partial: a resident-ID
            # row costs it nothing); and the people of a name and birth date, for the few rows of other documents,
            # whatever the county's size. The second is written for every imported row (about 0.6 s per 100,000 on
            # a million people, docs/benchmarks.md); without it those rows would read the whole county.
            models.Index(
                fields=["region", "name", "birth_date"], name="person_other_document_idx",
                condition=~models.Q(id_type="resident_id"),
            ),
            # On PostgreSQL built with varchar_pattern_ops on the name (census 0022): it also serves the name search
            # (name LIKE '张%'), so every imported row writes one name index, not two.
            models.Index(fields=["name", "birth_date"], name="person_name_birth_idx"),
            # Search by phone (the list's q) by its keyed hash: person_phone_hash_idx (census 0024), a hash index on
            # PostgreSQL, which this declaration cannot say for that database alone; people without a phone not in it.
        ]
        # A constraint rather than unique=True: PostgreSQL then gets no second, LIKE-pattern index on the hash.
        constraints = [models.UniqueConstraint(fields=["id_number_hash"], name="person_id_number_hash_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"


class PersonDocumentQuerySet(ScopedQuerySet):
    region_field = "person__region"


class PersonDocument(models.Model):
    """Another identity document of a registered person (a returnee's old passport beside the new resident ID),
    linked on the person's page. Stored as the person's own: encrypted, by keyed hash (unique across these and
    every person's own document, which the services check), masked."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="documents")
    id_type = models.CharField(_("证件类型"), max_length=16, choices=DocumentType.choices)
    number_encrypted = models.TextField(_("证件号码（密文）"), editable=False)
    number_hash = models.CharField(_("证件号码索引"), max_length=64, editable=False)
    number_masked = models.CharField(_("证件号码"), max_length=32, editable=False)
    linked_at = models.DateTimeField(_("关联时间"), auto_now_add=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("关联人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PersonDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员其他证件")
        verbose_name_plural = _("人员其他证件")
        ordering = ["linked_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["number_hash"], name="persondocument_number_hash_unique")]

    def __str__(self) -> str:
        return f"{self.get_id_type_display()} {self.number_masked}"


FLAG_FIELDS = ("is_needy", "is_left_behind_child", "is_empty_nest_elderly", "is_high_level_talent", "is_new_overseas")


class PersonEventKind(models.TextChoices):
    CREATED = "created", _("登记")
    UPDATED = "updated", _("修改")
    TRANSFERRED = "transferred", _("迁移")
    IMPORTED = "imported", _("导入")
    VERIFIED = "verified", _("核实")


class PersonEventQuerySet(ScopedQuerySet):
    region_field = "person__region"


class PersonEvent(models.Model):  # noqa: DJ008 - rows shown only in lists, by their columns
    """A person's history: registration, changes (before → after), transfers between regions, imports."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(_("事件"), max_length=12, choices=PersonEventKind.choices)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    from_region = models.ForeignKey(
        Region, verbose_name=_("迁出地"), on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    to_region = models.ForeignKey(
        Region, verbose_name=_("迁入地"), on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True, default="")

    objects = PersonEventQuerySet.as_manager()

    # Never stored: set for display by census.registry.selectors (history_change_lines; person_history's
    # unsaved registration event carries the import's id).
    change_lines: list[ChangeLine]
    census_import: int

    class Meta:
        verbose_name = _("人员变更记录")
        verbose_name_plural = _("人员变更记录")
        ordering = ["-at", "-pk"]
        # A person's history, newest first; transfers by region (a region's deletion checks them). The
        # actor is not indexed: a user's deletion, which scans, is rare.
        indexes = [
            models.Index(fields=["person", "at"], name="personevent_person_at_idx"),
            models.Index(fields=["from_region"], name="personevent_from_region_idx", condition=models.Q(from_region__isnull=False)),
            models.Index(fields=["to_region"], name="personevent_to_region_idx", condition=models.Q(to_region__isnull=False)),
        ]


class HeadcountQuerySet(ScopedQuerySet):
    region_field = "region"


class Headcount(models.Model):  # noqa: DJ008 - rows shown only in lists, by their columns
    """Registered people per campaign, region (their residence, not the subtree) and category,
    and per unit. Subtree totals are summed over MPTT ranges; a closed campaign's rows are frozen."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("调查"), on_delete=models.CASCADE, related_name="headcounts")
    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.CASCADE, related_name="headcounts")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE, null=True, blank=True, related_name="headcounts")
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    count = models.PositiveIntegerField(_("人数"))

    objects = HeadcountQuerySet.as_manager()

    class Meta:
        verbose_name = _("人数统计")
        verbose_name_plural = _("人数统计")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region", "category"], condition=models.Q(unit__isnull=True), name="headcount_unique_region"
            ),
            models.UniqueConstraint(
                fields=["campaign", "unit", "category"], condition=models.Q(unit__isnull=False), name="headcount_unique_unit"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "region"], name="headcount_campaign_region_idx")]


class ReportStatus(models.TextChoices):
    """填报状态 of one reporting region in a census round."""

    NOT_SUBMITTED = "not_submitted", _("未提交")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已审核")


class CampaignReportQuerySet(ScopedQuerySet):
    region_field = "region"


class CampaignReport(models.Model):
    """填报单位: one reporting region of a census round (a county unless the round says otherwise) and where its
    submission stands: not submitted → submitted (提交) → approved (审核通过) or returned (退回, then submitted
    again); the superior reopens an approved one (退回修改). While it is approved and the round open, the census rows
    of its region are locked (census.registry.locks). The steps themselves are recorded by census.rounds."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("调查"), on_delete=models.CASCADE, related_name="reports")
    region = models.ForeignKey(Region, verbose_name=_("填报单位"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.NOT_SUBMITTED)
    # Timeliness is judged by the first submission: a return is the superior's quality check, not lateness.
    first_submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )
    reason = models.TextField(_("退回理由"), blank=True, default="")

    objects = CampaignReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("填报单位")
        verbose_name_plural = _("填报单位")
        constraints = [models.UniqueConstraint(fields=["campaign", "region"], name="campaignreport_unique_campaign_region")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.region}"


# ---- a registered person's records in the organizations (培训与志愿者) ------------------------------------------


class PersonRecordLinkQuerySet(ScopedQuerySet):
    region_field = "person__region"


class PersonRecordLink(models.Model):
    """Says that a registered person is a volunteer (`orgs.training.models.Volunteer`) or a leading-body member
    (`LeadershipMember`) on an organization's record, so that the person's page shows the volunteer registrations and
    the trainings attended through those records. Kept here, on the census side, because `orgs` must not know the
    census (orgs ← census ← tasks): the organization's records stay whole without it."""

    person = models.ForeignKey(Person, verbose_name=_("侨务工作对象"), on_delete=models.CASCADE, related_name="record_links")
    volunteer = models.ForeignKey(
        "orgs.Volunteer", verbose_name=_("志愿者"), on_delete=models.CASCADE, null=True, blank=True, related_name="person_links"
    )
    leader = models.ForeignKey(
        "orgs.LeadershipMember", verbose_name=_("领导机构成员"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="person_links",
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("关联人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("关联时间"), auto_now_add=True)

    objects = PersonRecordLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员记录关联")
        verbose_name_plural = _("人员记录关联")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(volunteer__isnull=False, leader__isnull=True) | models.Q(volunteer__isnull=True, leader__isnull=False),
                name="person_record_link_one_record",
            ),
            models.UniqueConstraint(fields=["person", "volunteer"], name="person_record_link_volunteer_once",
                                    condition=models.Q(volunteer__isnull=False)),
            models.UniqueConstraint(fields=["person", "leader"], name="person_record_link_leader_once",
                                    condition=models.Q(leader__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.volunteer or self.leader}"
