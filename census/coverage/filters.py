"""django-filter filterset of the stored verdicts (the gap list) and its order: gaps first.

Filters narrow a queryset that the caller has already scoped (`.visible_to(user)`); they never widen it."""
from __future__ import annotations

import hashlib
from typing import overload

import django_filters
from django import forms
from django.core.cache import cache
from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

from census.coverage.models import (
    FulfilmentChoice,
    PlaceLevel,
    Policy,
    Requirement,
    VerdictChoice,
)
from census.coverage.selectors import verdicts_version
from orgs.regions.filters import RegionSubtreeFilter
from orgs.regions.models import Region

# How long the counts of a filtered gap list are kept (they are also dropped at once by any change of the verdicts)
SEGMENTS_SECONDS = 600

# Gaps first: required before recommended before not required; within each, missing before under way
# before satisfied; then county, township, village, unit; then the places in tree order.
VERDICT_ORDER = (VerdictChoice.REQUIRED, VerdictChoice.RECOMMENDED, VerdictChoice.NOT_REQUIRED)


STATUS_ORDER = (FulfilmentChoice.MISSING, FulfilmentChoice.UNDER_WAY, FulfilmentChoice.SATISFIED)


LEVEL_ORDER = (PlaceLevel.COUNTY, PlaceLevel.TOWNSHIP, PlaceLevel.VILLAGE, PlaceLevel.UNIT)


PLACE_ORDER = ("region__tree_id", "region__lft", "unit__name", "pk")


def _rank(field: str, values) -> Case:
    return Case(*(When(**{field: v}, then=Value(i)) for i, v in enumerate(values)), default=Value(len(values)), output_field=IntegerField())


def in_gap_order(requirements):
    """应建未建 order: the gaps first (see VERDICT_ORDER / STATUS_ORDER / LEVEL_ORDER), then by place."""
    return requirements.alias(
        verdict_rank=_rank("verdict", VERDICT_ORDER),
        status_rank=_rank("status", STATUS_ORDER),
        level_rank=_rank("level", LEVEL_ORDER),
    ).order_by("verdict_rank", "status_rank", "level_rank", *PLACE_ORDER)


class GapOrderedRows:
    """Filtered verdicts in gap order (see `in_gap_order`) as a sliceable sequence for a paginator,
    fast for a province's tens of thousands of rows.

    One aggregate counts the rows per (verdict, status, level): the gap order is these segments one
    after another, so the aggregate gives the total (and the status tiles their numbers) and says which
    segments a page overlaps. A page sorts only those segments, by place and fetching primary keys
    only (the segment's filter uses the (verdict, status, level) index), then fetches its rows with
    their region, unit and policy: no sort of wide rows, no COUNT, no query per row."""

    FIELDS = ("verdict", "status", "level")

    def __init__(self, requirements, *, related=("region", "unit", "policy"), segments=None):
        self.requirements = requirements.order_by()
        self.related = related
        self.segments = self._segments() if segments is None else segments
        self.total = sum(seg[3] for seg in self.segments)

    def _segments(self) -> list[tuple[str, str, str, int]]:
        """The aggregate, in gap order; cached under the verdicts' version and the query itself (its scope and
        filters), since for a province it reads tens of thousands of verdicts with their regions (about 30 ms of
        PostgreSQL for 云南省) and they change only when an evaluation writes."""
        counts = self.requirements.values(*self.FIELDS).annotate(n=models.Count("pk"))
        sql, params = counts.query.sql_with_params()
        key = f"coverage:gap-segments:{verdicts_version()}:{hashlib.sha256(repr((sql, params)).encode()).hexdigest()}"
        segments = cache.get(key)
        if segments is None:
            rank = {key: {v: i for i, v in enumerate(values)} for key, values in zip(self.FIELDS, (VERDICT_ORDER, STATUS_ORDER, LEVEL_ORDER))}
            segments = sorted(
                ((row["verdict"], row["status"], row["level"], row["n"]) for row in counts),
                key=lambda seg: tuple(rank[f].get(v, 9) for f, v in zip(self.FIELDS, seg)),
            )
            cache.set(key, segments, SEGMENTS_SECONDS)
        return segments

    def only(self, field: str, value: str) -> GapOrderedRows:
        """The rows whose `field` (verdict, status or level) is `value`, from the same aggregate."""
        index = self.FIELDS.index(field)
        return GapOrderedRows(
            self.requirements.filter(**{field: value}),
            related=self.related,
            segments=[seg for seg in self.segments if seg[index] == value],
        )

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def by(self, field: str) -> dict[str, int]:
        """Row counts by verdict, status or level."""
        index = self.FIELDS.index(field)
        totals: dict[str, int] = {}
        for seg in self.segments:
            totals[seg[index]] = totals.get(seg[index], 0) + seg[3]
        return totals

    @overload
    def __getitem__(self, index: int) -> Requirement: ...

    @overload
    def __getitem__(self, index: slice) -> list[Requirement]: ...

    def __getitem__(self, index: int | slice) -> Requirement | list[Requirement]:
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, self.total if index.stop is None else min(index.stop, self.total)
        pks: list[int] = []
        position = 0
        for verdict, status, level, n in self.segments:
            first, position = position, position + n
            if position <= start:
                continue
            if first >= stop:
                break
            segment = self.requirements.filter(verdict=verdict, status=status, level=level).order_by(*PLACE_ORDER)
            pks += segment.values_list("pk", flat=True)[max(start, first) - first : min(stop, position) - first]
        rows = self.requirements.model.objects.select_related(*self.related).in_bulk(pks)
        return [rows[pk] for pk in pks if pk in rows]


# Above this many counties in the caller's scope the county filter is a code box, not a drop-down.
COUNTY_CHOICES_LIMIT = 300


class RequirementFilter(django_filters.FilterSet):
    """应建评估: level, county and region (subtree, by code), status, verdict, policy (by key).

    `county` and `region` filter alike (a region code, its subtree); the page shows `county` as a
    drop-down of the counties in the caller's scope (`use_choices_of`)."""

    level = django_filters.ChoiceFilter(choices=PlaceLevel.choices, label=_("层级"), empty_label=_("全部层级"))
    county = RegionSubtreeFilter(label=_("县(市、区)"))
    status = django_filters.ChoiceFilter(choices=FulfilmentChoice.choices, label=_("建设状态"), empty_label=_("全部状态"))
    verdict = django_filters.ChoiceFilter(choices=VerdictChoice.choices, label=_("评估结论"), empty_label=_("全部结论"))
    policy = django_filters.CharFilter(field_name="policy__key", label=_("依据（政策标识）"))
    region = RegionSubtreeFilter()

    class Meta:
        model = Requirement
        fields = ["level", "county", "status", "verdict", "policy", "region"]

    def use_choices_of(self, user) -> RequirementFilter:
        """Drop-downs for the page: the counties and the policies that apply in the user's scope."""
        form = self.form
        counties = Region.objects.visible_to(user).filter(level="county").order_by("tree_id", "lft")
        rows = list(counties.values_list("code", "name", "parent__name")[: COUNTY_CHOICES_LIMIT + 1])
        if len(rows) <= COUNTY_CHOICES_LIMIT:
            options: list = [("", _("全部县(市、区)"))]
            if len({parent for _code, _name, parent in rows}) > 1:  # grouped by city
                groups: dict[str, list] = {}
                for code, name, parent in rows:
                    groups.setdefault(parent, []).append((code, name))
                options += list(groups.items())
            else:
                options += [(code, name) for code, name, _parent in rows]
            form.fields["county"].widget = forms.Select(choices=options)
        else:
            form.fields["county"].widget.attrs["placeholder"] = _("县级区划代码，如 530423")
        form.fields["region"].widget.attrs["placeholder"] = _("如 530423101")
        policies = Policy.objects.visible_to(user).order_by("key")
        form.fields["policy"].label = _("依据")
        form.fields["policy"].widget = forms.Select(
            choices=[("", _("全部政策"))] + [(p.key, p.short_name) for p in policies.only("key", "short_name")]
        )
        return self
