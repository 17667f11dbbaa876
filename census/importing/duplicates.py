"""可能重复: people an import would register who may be someone already there under another document.

The same document is always the same person (matched by its keyed hash). A returnee registered once by an
old passport and now listed by a new resident ID is not found that way: the import warns when a new row has
the name, birth date and sex of a person registered in the same county (or of an earlier new row of the file)
with a different document. A warning, not an error: the user looks, then confirms the import (and links the
two documents on the person's page if they are one person).

Set-based: the (name, birth date) pairs of the rows' counties in one narrow query, compared in memory, then the
few people found."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from census.registry.models import DocumentType, Person
from orgs.access.scoping import subtree_q
from orgs.common.bulk import chunks
from orgs.regions.models import Region
from orgs.regions.selectors import counties_of

NAME_CHUNK = 10_000


@dataclass(frozen=True)
class DuplicateWarning:
    """One row that may be a person already registered (or another row of the file)."""

    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


def possible_duplicates(
    rows: list[int], hashes: list[str], names: list[str], births: list, genders: list[str], region_ids: list[int], *, column: str,
) -> list[DuplicateWarning]:
    """Warnings for the new rows (sheet row numbers, document hashes and values, by column) that share name, birth
    date and sex with someone registered in the same county under another document, or with an earlier new row of
    the file. (A person registered under the row's own document is that person, not a possible duplicate.)"""
    if not rows:
        return []
    county_of = counties_of(set(region_ids))
    counties = {county.pk: county for county in county_of.values()}
    document_labels = dict(DocumentType.choices)
    warnings: list[DuplicateWarning] = []
    county_pk = {region_id: county.pk for region_id, county in county_of.items()}
    keys = list(zip(names, births, genders, map(county_pk.__getitem__, region_ids)))
    if len(set(keys)) < len(keys):
        first_row: dict[tuple, int] = {}
        for row, key in zip(rows, keys):
            earlier = first_row.setdefault(key, row)
            if earlier != row:
                warnings.append(DuplicateWarning(row, column, key[0], _("与第 %(row)d 行的姓名、出生日期、性别相同而证件不同，可能是同一人") % {"row": earlier}))
    registered: dict[tuple, list[tuple[str, str, str, str]]] = {}
    ranges = sorted(counties.values(), key=lambda county: (county.tree_id, county.lft))
    for name, birth, gender, tree_id, lft, id_type, masked, place, digest in _namesakes(ranges, {key[:2] for key in keys}):
        county = next((c for c in ranges if c.tree_id == tree_id and c.lft <= lft <= c.rght), None)
        if county is not None:
            label = str(document_labels.get(id_type, id_type))
            registered.setdefault((name, birth, gender, county.pk), []).append((label, masked, place, digest))
    if registered:
        for row, digest, key in zip(rows, hashes, keys):
            found = [other for other in registered.get(key, ()) if other[3] != digest]
            if found:
                others = "；".join(f"{label} {masked}，{place}" for label, masked, place, _digest in found[:3])
                warnings.append(DuplicateWarning(row, column, key[0], _("与已登记的同名人员（%(others)s）出生日期、性别相同而证件不同，可能是同一人") % {"others": others}))
    warnings.sort(key=lambda warning: warning.row)
    return warnings


NAMESAKE_FIELDS = (
    "name", "birth_date", "gender", "region__tree_id", "region__lft", "id_type", "id_number_masked", "region__full_name",
    "id_number_hash",
)


def _namesakes(counties: list, keys: set[tuple]):
    """The people of these counties with one of these (name, birth date) pairs: NAMESAKE_FIELDS of each. Two
    queries: the pairs of everyone in the counties' regions (two narrow columns, compared in memory: cheaper than
    any join the server could do without an index on names, which every imported row would pay for), then the
    people of the pairs found."""
    if not keys:
        return
    region_ids = list(Region.objects.filter(subtree_q(counties, "")).values_list("id", flat=True))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT name, birth_date FROM "{Person._meta.db_table}" WHERE region_id = ANY(%s)', [region_ids])
            found = keys.intersection(cursor.fetchall())
    else:
        found = keys.intersection(Person.objects.filter(region_id__in=region_ids).values_list("name", "birth_date").iterator())
    if not found:
        return
    names = sorted({name for name, _birth in found})
    for chunk in chunks(names, NAME_CHUNK):
        people = Person.objects.filter(region_id__in=region_ids, name__in=chunk).values_list(*NAMESAKE_FIELDS)
        yield from (person for person in people.iterator(chunk_size=2000) if (person[0], person[1]) in found)
