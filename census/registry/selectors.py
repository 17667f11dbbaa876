"""Reads of the registry used by pages, the API, the import and coverage: campaigns covering a place,
headcounts, a person's history in words."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Field, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from census.registry.models import (
    Campaign,
    Category,
    DocumentType,
    Gender,
    Headcount,
    Person,
    PersonDocument,
    PersonEvent,
    PersonEventKind,
)
from orgs.common.crypto import current_prefix
from orgs.common.crypto_registry import known_all_current, remember_all_current
from orgs.common.identifiers import normalize_uscc
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization
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
    if key == "phone":  # stored as phone_encrypted / phone_hash / phone_masked: the history names it "phone"
        return _("联系电话")
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


# ---- the unit directory (单位名录) --------------------------------------------------------------------------


def units_listed(user):
    """The units the user sees, as the directory lists them, ordered by place and name: the region joined (only the
    columns shown: a deep page sorts thousands of rows), the verdict (应建评估, one per unit) fetched for the page's
    units alone. Their people and organizations are added per page (`units_decorate`)."""
    return (
        Unit.objects.visible_to(user)
        .select_related("region")
        .only("pk", "name", "kind", "credit_code", "is_two_new", "region_id", "region__code", "region__name", "region__full_name")
        .prefetch_related("requirement")
        .order_by("region__code", "name", "pk")
    )


@dataclass(frozen=True)
class ListedUnit:
    """One row of the directory: the unit (its region and verdict joined), its registered people, its organizations
    (dissolved ones last)."""

    unit: Unit
    people: int
    organizations: list[Organization]


def units_decorate(units: list[Unit]) -> list[ListedUnit]:
    """The units of a page with their people (working there) and organizations: two queries for the whole page,
    whatever its size."""
    ids = [u.pk for u in units]
    people = dict(
        Person.objects.filter(unit_id__in=ids).values("unit_id").annotate(n=Count("pk")).order_by().values_list("unit_id", "n")
    ) if ids else {}
    organizations: dict[int, list[Organization]] = {}
    for organization in Organization.objects.filter(unit_id__in=ids).only("pk", "name", "status", "unit_id").order_by("name", "pk"):
        assert organization.unit_id is not None
        organizations.setdefault(organization.unit_id, []).append(organization)
    return [
        ListedUnit(unit, people.get(unit.pk, 0), sorted(organizations.get(unit.pk, []), key=lambda o: o.status == OrganizationStatus.DISSOLVED))
        for unit in units
    ]


def unit_requirement(unit: Unit):
    """The unit's verdict (Requirement, reached through its one-to-one: the registry stands below coverage), or None."""
    try:
        return unit.requirement
    except Unit.requirement.RelatedObjectDoesNotExist:
        return None


@dataclass(frozen=True)
class CategoryCount:
    category: str
    label: str
    n: int
    url: str


def unit_people_url(unit_id: int, categories=()) -> str:
    """The person list filtered to the people of a unit (of some categories)."""
    params = [("unit", str(unit_id)), *(("category", c) for c in categories)]
    return f"{reverse('census:person-list')}?{urlencode(params)}"


def unit_headcount_by_category(unit: Unit) -> list[CategoryCount]:
    """The unit's registered people by category (live registry, every category), each with the link to them: one query."""
    counts = dict(Person.objects.filter(unit=unit).values("category").annotate(n=Count("pk")).order_by().values_list("category", "n"))
    return [CategoryCount(value, str(label), counts.get(value, 0), unit_people_url(unit.pk, [value])) for value, label in Category.choices]


@dataclass(frozen=True)
class MergeMove:
    label: str
    n: int


def unit_merge_preview(*, survivor: Unit, absorbed: Unit) -> dict:
    """What merging `absorbed` into `survivor` would move (nothing changed): how many rows of each kind refer to the
    absorbed unit (every reverse relation of Unit, whatever app declares it), its organizations by name, and which
    credit code the survivor ends with."""
    moves: list[MergeMove] = []
    people = organizations = 0
    for relation in Unit._meta.related_objects:
        if relation.many_to_many or relation.get_accessor_name() in ("requirement", "headcounts"):
            continue
        n = relation.related_model._base_manager.filter(**{relation.field.name: absorbed}).count()
        name = relation.get_accessor_name()
        if name == "persons":
            people = n
        elif name == "organizations":
            organizations = n
        elif n:
            moves.append(MergeMove(str(relation.related_model._meta.verbose_name), n))
    return {
        "people": people,
        "organizations": organizations,
        "organization_list": list(Organization.objects.filter(unit=absorbed).only("pk", "name", "status").order_by("name")),
        "other_moves": moves,
        "requirement": unit_requirement(absorbed),
        "credit_code": survivor.credit_code or absorbed.credit_code,
        "credit_code_taken": not survivor.credit_code and bool(absorbed.credit_code),
        "credit_code_dropped": absorbed.credit_code if survivor.credit_code and absorbed.credit_code else "",
        "moves_region": survivor.region_id != absorbed.region_id,
    }


def merge_candidates(user, survivor: Unit, query: str, *, limit: int = 20) -> list[Unit]:
    """Units the user may edit whose name contains `query` or whose credit code starts with it (not the survivor):
    the units one may merge into it."""
    query = query.strip()
    if not query:
        return []
    return list(
        Unit.objects.editable_by(user).exclude(pk=survivor.pk)
        .filter(Q(name__contains=query) | Q(credit_code__startswith=normalize_uscc(query)))
        .select_related("region").order_by("region__code", "name", "pk")[:limit]
    )


def registry_has_earlier_hashes(*, cursor=None) -> bool:
    """Whether a person or a linked document is still stored under an earlier key or cipher (its token does not start
    with the current prefix, so its look-up hash is of an earlier scheme: orgs.common.crypto, "Transition"), i.e.
    whether bulk look-ups must ask for the other schemes' hashes too. Once none is left (found here, or `rotate_keys`
    finished), that answer is remembered for a day per prefix (the application writes current rows only).
    `cursor`: a raw cursor to ask on (an import asks in its look-up thread, on the caller's connection)."""
    prefix = current_prefix()
    if known_all_current(prefix):
        return False
    earlier = any(
        _exists(queryset, cursor)
        for queryset in (
            Person.objects.exclude(id_number_encrypted__startswith=prefix),
            PersonDocument.objects.exclude(number_encrypted__startswith=prefix),
        )
    )
    if not earlier:
        remember_all_current(prefix)
    return earlier


def _exists(queryset, cursor) -> bool:
    if cursor is None:
        return queryset.exists()
    sql, params = queryset.values("pk")[:1].query.sql_with_params()
    cursor.execute(sql, params)
    return cursor.fetchone() is not None
