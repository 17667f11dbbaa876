"""行政区划: the region tree (province → city → county → township → village, django-mptt), its levels and kinds."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from mptt.managers import TreeManager
from mptt.models import MPTTModel, TreeForeignKey
from mptt.querysets import TreeQuerySet

from orgs.access.scoping import ScopedQuerySet

if TYPE_CHECKING:  # pragma: no cover
    from django_stubs_ext import StrOrPromise


class RegionLevel(models.TextChoices):
    """行政区划级别. Levels may be skipped (直辖市 districts, 省直辖县级市, 东莞-style towns)."""

    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇级")
    VILLAGE = "village", _("村级")


LEVEL_RANK = {
    RegionLevel.PROVINCE: 1,
    RegionLevel.CITY: 2,
    RegionLevel.COUNTY: 3,
    RegionLevel.TOWNSHIP: 4,
    RegionLevel.VILLAGE: 5,
}


# Official code lengths by level (GB/T 2260 to county, then 9 and 12 digits).
CODE_LENGTHS = {
    RegionLevel.PROVINCE: (6,),
    RegionLevel.CITY: (6,),
    RegionLevel.COUNTY: (6,),
    RegionLevel.TOWNSHIP: (9,),
    RegionLevel.VILLAGE: (12,),
}


class RegionKind(models.TextChoices):
    """行政区划类别: what the division is called, beside its level."""

    PROVINCE = "province", _("省")
    AUTONOMOUS_REGION = "autonomous_region", _("自治区")
    MUNICIPALITY = "municipality", _("直辖市")
    SAR = "sar", _("特别行政区")
    PREFECTURE_CITY = "prefecture_city", _("地级市")
    AUTONOMOUS_PREFECTURE = "autonomous_prefecture", _("自治州")
    PREFECTURE = "prefecture", _("地区")
    LEAGUE = "league", _("盟")
    DISTRICT = "district", _("市辖区")
    COUNTY = "county", _("县")
    AUTONOMOUS_COUNTY = "autonomous_county", _("自治县")
    COUNTY_CITY = "county_city", _("县级市")
    BANNER = "banner", _("旗")
    AUTONOMOUS_BANNER = "autonomous_banner", _("自治旗")
    SPECIAL_DISTRICT = "special_district", _("特区/林区")
    TOWNSHIP = "township", _("乡")
    ETHNIC_TOWNSHIP = "ethnic_township", _("民族乡")
    TOWN = "town", _("镇")
    SUBDISTRICT = "subdistrict", _("街道")
    SUMU = "sumu", _("苏木")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    OTHER = "other", _("其他")


def infer_region_kind(name: str, level: str) -> str:
    """The kind a division's name implies ("通海县" -> 县); OTHER when the name does not say."""
    by_level: dict[str, list[tuple[str, str]]] = {
        RegionLevel.PROVINCE: [
            ("特别行政区", RegionKind.SAR),
            ("自治区", RegionKind.AUTONOMOUS_REGION),
            ("省", RegionKind.PROVINCE),
            ("市", RegionKind.MUNICIPALITY),
        ],
        RegionLevel.CITY: [
            ("自治州", RegionKind.AUTONOMOUS_PREFECTURE),
            ("地区", RegionKind.PREFECTURE),
            ("盟", RegionKind.LEAGUE),
            ("市", RegionKind.PREFECTURE_CITY),
        ],
        RegionLevel.COUNTY: [
            ("自治县", RegionKind.AUTONOMOUS_COUNTY),
            ("自治旗", RegionKind.AUTONOMOUS_BANNER),
            ("林区", RegionKind.SPECIAL_DISTRICT),
            ("特区", RegionKind.SPECIAL_DISTRICT),
            ("区", RegionKind.DISTRICT),
            ("县", RegionKind.COUNTY),
            ("旗", RegionKind.BANNER),
            ("市", RegionKind.COUNTY_CITY),
        ],
        RegionLevel.TOWNSHIP: [
            ("民族乡", RegionKind.ETHNIC_TOWNSHIP),
            ("街道", RegionKind.SUBDISTRICT),
            ("苏木", RegionKind.SUMU),
            ("乡", RegionKind.TOWNSHIP),
            ("镇", RegionKind.TOWN),
        ],
        RegionLevel.VILLAGE: [
            ("社区", RegionKind.COMMUNITY),
            ("居委会", RegionKind.COMMUNITY),
            ("村", RegionKind.VILLAGE),
            ("村委会", RegionKind.VILLAGE),
        ],
    }
    for suffix, kind in by_level.get(level, []):
        if name.endswith(suffix):
            return kind
    return RegionKind.OTHER


class RegionQuerySet(TreeQuerySet, ScopedQuerySet):
    """Regions, scoped: a region is visible when it lies in one of the user's subtrees."""

    region_field = ""


class RegionManager(TreeManager.from_queryset(RegionQuerySet)):  # type: ignore[misc]
    pass


class Region(MPTTModel):
    """行政区划: a node of the province → city → county → township → village tree."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=10, choices=RegionLevel.choices, db_index=True)
    kind = models.CharField(_("类别"), max_length=24, choices=RegionKind.choices, default=RegionKind.OTHER)
    is_key_area = models.BooleanField(_("重点侨务地区"), default=False, db_index=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    parent = TreeForeignKey(
        "self", verbose_name=_("上级区划"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Denormalised "云南省玉溪市通海县", kept by the tree service, so that lists never walk ancestors.
    full_name = models.CharField(_("全称"), max_length=255, blank=True, editable=False)

    objects = RegionManager()

    class MPTTMeta:
        level_attr = "depth"
        order_insertion_by = ["code"]

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        indexes = [models.Index(fields=["tree_id", "lft", "rght"], name="region_subtree_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def level_rank(self) -> int:
        return LEVEL_RANK[RegionLevel(self.level)]

    @property
    def path(self) -> str:
        return self.full_name or self.name

    def clean(self) -> None:
        errors = region_row_errors(
            code=self.code, level=self.level, parent_level=self.parent.level if self.parent_id else None
        )
        if self.parent_id and self.pk and self.parent_id == self.pk:
            errors.append(("parent", _("上级区划不能是自身")))
        if errors:
            raise ValidationError(dict(errors))

    def save(self, *args, **kwargs):
        if not self.kind or self.kind == RegionKind.OTHER:
            self.kind = infer_region_kind(self.name, self.level)
        parent_path = self.parent.path if self.parent_id else ""
        self.full_name = f"{parent_path}{self.name}"
        previous = type(self).objects.filter(pk=self.pk).values_list("full_name", flat=True).first() if self.pk else None
        super().save(*args, **kwargs)
        if previous is not None and previous != self.full_name:
            self._refresh_descendant_names()

    def _refresh_descendant_names(self) -> None:
        """Renaming or moving a region renames the paths below it, in one read and one bulk write."""
        names = {self.pk: self.full_name}
        stale = []
        for pk, parent_id, name in self.get_descendants().order_by("lft").values_list("id", "parent_id", "name"):
            names[pk] = names[parent_id] + name
            stale.append(Region(pk=pk, full_name=names[pk]))
        type(self).objects.bulk_update(stale, ["full_name"], batch_size=500)


def region_row_errors(*, code: str, level: str, parent_level: str | None) -> list[tuple[str, StrOrPromise]]:
    """Validation shared by the model, the admin and the CSV import: (field, message) pairs."""
    errors: list[tuple[str, StrOrPromise]] = []
    if level not in LEVEL_RANK:
        errors.append(("level", _("未知级别“%(value)s”") % {"value": level}))
        return errors
    # isascii: str.isdigit() also accepts full-width and other Unicode digits ("５３０４２３").
    if not (code.isascii() and code.isdigit()) or len(code) not in CODE_LENGTHS[RegionLevel(level)]:
        errors.append(
            (
                "code",
                _("区划代码“%(code)s”格式不正确：%(level)s应为 %(lengths)s 位数字")
                % {
                    "code": code,
                    "level": RegionLevel(level).label,
                    "lengths": "/".join(str(n) for n in CODE_LENGTHS[RegionLevel(level)]),
                },
            )
        )
    if parent_level is None:
        if level != RegionLevel.PROVINCE:
            errors.append(("parent", _("只有省级区划可以没有上级")))
    elif LEVEL_RANK[RegionLevel(parent_level)] >= LEVEL_RANK[RegionLevel(level)]:
        errors.append(
            (
                "parent",
                _("上级区划的级别（%(parent)s）必须高于本级（%(level)s）")
                % {"parent": RegionLevel(parent_level).label, "level": RegionLevel(level).label},
            )
        )
    return errors
