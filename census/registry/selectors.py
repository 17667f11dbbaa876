"""Reads of the registry used by pages, the API, the import and coverage: campaigns covering a place,
headcounts, a person's history in words."""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Field, Sum
from django.utils.translation import gettext as _

from census.registry.models import (
    Campaign,
    Category,
    DocumentType,
    Gender,
    Headcount,
    Person,
    PersonEvent,
    PersonEventKind,
)
from orgs.regions.models import Region
from orgs.units.models import Unit


def open_campaigns_covering(regions: list[Region]) -> list[Campaign]:
    """Open campaigns whose region is one of these regions or an ancestor of one: one query."""
    if not regions:
        return []
    return list(Campaign.objects.covering_any(regions).filter(is_open=True).select_related("region"))


def campaign_for_import(user, year: int) -> Campaign | None:
    """The open campaign of `year` that the user sees and that covers the most specific region."""
    return (
        Campaign.objects.visible_to(user)
        .filter(year=year)
        .select_related("region")
        .order_by("-region__depth", "-pk")
        .first()
    )


def campaign_covering(user, region: Region, year: int) -> Campaign | None:
    """The visible campaign of `year` whose region is `region` or its nearest ancestor."""
    return (
        Campaign.objects.visible_to(user)
        .covering(region)
        .filter(year=year)
        .select_related("region")
        .order_by("-region__depth", "-pk")
        .first()
    )


def headcounts_by_category(*, region: Region, campaign: Campaign | None = None) -> dict[str, dict[str, int]]:
    """{"own": {category: n}, "subtree": {category: n}} for a region: the people residing in the
    region itself, and in its whole subtree (each person counted once, at their residence). The live
    registry when no campaign is given, else that campaign's snapshot. Two aggregate queries."""
    own = dict.fromkeys(Category.values, 0)
    subtree = dict.fromkeys(Category.values, 0)
    if campaign is None:
        rows = Person.objects.within(region).values("region_id", "category").order_by().annotate(n=Count("pk"))
    else:
        rows = (
            Headcount.objects.filter(campaign=campaign, unit__isnull=True)
            .within(region)
            .values("region_id", "category")
            .order_by()
            .annotate(n=Sum("count"))
        )
    for row in rows:
        subtree[row["category"]] += row["n"]
        if row["region_id"] == region.pk:
            own[row["category"]] += row["n"]
    return {"own": own, "subtree": subtree}


@dataclass(frozen=True)
class ChangeLine:
    """One recorded change of a person as a reader sees it: the field's name and both values in words."""

    label: str
    before: str
    after: str


def history_change_lines(events: list[PersonEvent]) -> None:
    """Gives each event `change_lines`: its recorded changes (stored by field, with ids and codes) as
    field names and values in words: regions by full name, units by name, categories and genders by
    label, 是/否. Two queries for all the events (regions, units), none when no place changed."""
    places: dict[str, set] = {"region": set(), "unit": set()}
    for event in events:
        for key, pair in (event.changes or {}).items():
            kind = key.removesuffix("_id")
            if kind in places:
                places[kind].update(v for v in pair if isinstance(v, int))
    names = {
        "region": dict(Region.objects.filter(pk__in=places["region"]).values_list("id", "full_name")) if places["region"] else {},
        "unit": dict(Unit.objects.filter(pk__in=places["unit"]).values_list("id", "name")) if places["unit"] else {},
    }
    for event in events:
        event.change_lines = [
            ChangeLine(_change_label(key), _change_value(key, pair[0], names), _change_value(key, pair[1], names))
            for key, pair in (event.changes or {}).items()
        ]


def _change_label(key: str) -> str:
    if key == "id_number":
        return _("证件号码")
    if key == "documents":
        return _("其他证件")
    try:
        field = Person._meta.get_field(key.removesuffix("_id"))
    except FieldDoesNotExist:
        return key
    assert isinstance(field, Field)  # a recorded change names one of the person's own fields, never a relation's reverse
    return str(field.verbose_name)


def _change_value(key: str, value, names: dict[str, dict]) -> str:
    if value is None or value == "":
        return "—"
    kind = key.removesuffix("_id")
    if kind in names:
        return names[kind].get(value, f"#{value}")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if kind == "category":
        return str(dict(Category.choices).get(value, value))
    if kind == "gender":
        return str(dict(Gender.choices).get(value, value))
    if kind == "id_type":
        return str(dict(DocumentType.choices).get(value, value))
    return str(value)


def person_history(person: Person) -> list[PersonEvent]:
    """The person's history, newest first: the stored events and, for a person an import registered,
    that registration (an unsaved PersonEvent built from the import's record, `census_import` set).
    Three queries at most, whatever the length."""
    events = list(person.events.select_related("actor", "from_region", "to_region").order_by("-at", "-pk"))
    if person.registered_by_import_id is None:
        return events
    # the import records, reached through the foreign key (the registry stands below the importing package)
    imports = Person.registered_by_import.get_queryset(instance=person)  # as the descriptor itself calls it
    record = imports.select_related("user").only("pk", "user").get(pk=person.registered_by_import_id)
    # Where they were registered: the region the first transfer moved them from, else where they live.
    transfers = [e for e in events if e.kind == PersonEventKind.TRANSFERRED and e.from_region_id]
    registered_in = transfers[-1].from_region if transfers else person.region
    registration = PersonEvent(
        person=person, kind=PersonEventKind.IMPORTED, at=person.created_at, actor=record.user,
        to_region=registered_in, note=_("导入 #%(id)d 登记") % {"id": record.pk},
    )
    registration.census_import = record.pk
    return [*events, registration]
