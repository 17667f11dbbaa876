"""可能重复: people an import would register who may be someone already there under another document.

The same document is always the same person (matched by its keyed hash). A returnee registered once by an
old passport and now listed by a new resident ID is not found that way: the import warns when a new row has
the name, birth date and sex of a person registered in the same county (or of an earlier new row of the file)
with a different document. A warning, not an error: the user looks, then confirms the import (and links the
two documents on the person's page if they are one person).

Set-based: two resident IDs are two people, so only pairs in which one holds another document are compared (see
`possible_duplicates`): the counties' people of other documents come from a partial index (index-only), and the
namesakes of the file's few rows of other documents through an index on name and birth date."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from census.registry.models import DocumentType, Person
from orgs.access.scoping import subtree_q
from orgs.common.bulk import chunks
from orgs.common.identifiers import RESIDENT_ID
from orgs.regions.models import Region
from orgs.regions.selectors import county_by_region

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
    rows: list[int], hashes: list[str], names: list[str], births: list, genders: list[str], region_ids: list[int],
    id_types: list[str], *, column: str,
) -> list[DuplicateWarning]:
    """Warnings for the new rows (sheet row numbers, document hashes, values and document types, by column) that
    share name, birth date and sex with someone registered in the same county under another document, or with an
    earlier new row of the file.

    A person has one resident ID for life: two resident IDs are two people, however alike. So a pair is a possible
    duplicate only when one of the two holds another document (a passport, a permit …). That keeps the check cheap:
    every row is compared with the county's people of other documents (a partial index holds just those; a
    resident-ID row costs it nothing when imported), and the few rows of other documents with the people of their
    names and birth dates (an index on both)."""
    if not rows:
        return []
    county_of = county_by_region(set(region_ids))
    county_pk = {region_id: county.pk for region_id, county in county_of.items()}
    keys = list(zip(names, births, genders, map(county_pk.__getitem__, region_ids)))
    other_document = [id_type != RESIDENT_ID for id_type in id_types]
    warnings: list[DuplicateWarning] = []
    if len(set(keys)) < len(keys):
        first: dict[tuple, tuple[int, bool]] = {}
        for row, key, other in zip(rows, keys, other_document):
            earlier = first.setdefault(key, (row, other))
            if earlier[0] != row and (other or earlier[1]):
                warnings.append(DuplicateWarning(row, column, key[0], _("与第 %(row)d 行的姓名、出生日期、性别相同而证件不同，可能是同一人") % {"row": earlier[0]}))
    counties = sorted({county.pk: county for county in county_of.values()}.values(), key=lambda county: (county.tree_id, county.lft))
    registered: dict[tuple, list[tuple[str, str, str, str, bool]]] = {}
    region_ids_in = list(Region.objects.filter(subtree_q(counties, "")).values_list("id", flat=True))
    in_counties = Person.objects.filter(region_id__in=region_ids_in)
    # Every row against the counties' people of other documents: their names and birth dates first (an index-only
    # read of the partial index), then the few who match.
    others_here = set(in_counties.exclude(id_type=RESIDENT_ID).values_list("name", "birth_date").iterator())
    hits = {key[:2] for key in keys} & others_here
    found = _people_named(in_counties.exclude(id_type=RESIDENT_ID), hits)
    # The rows of other documents (few) against the people of resident IDs of their names and birth dates, through
    # the (name, birth date) index; those of other counties are passed over below.
    other_keys = {key[:2] for key, other in zip(keys, other_document) if other}
    found += _resident_people_with(other_keys)
    document_labels = dict(DocumentType.choices)
    for name, birth, gender, tree_id, lft, id_type, masked, place, digest in found:
        county = next((c for c in counties if c.tree_id == tree_id and c.lft <= lft <= c.rght), None)
        if county is not None:
            entry = (str(document_labels.get(id_type, id_type)), masked, place, digest, id_type != RESIDENT_ID)
            registered.setdefault((name, birth, gender, county.pk), []).append(entry)
    if registered:
        for row, digest, key, other in zip(rows, hashes, keys, other_document):
            alike = [entry for entry in registered.get(key, ()) if entry[3] != digest and (other or entry[4])]
            if alike:
                described = "；".join(f"{label} {masked}，{place}" for label, masked, place, _digest, _other in alike[:3])
                warnings.append(DuplicateWarning(row, column, key[0], _("与已登记的同名人员（%(others)s）出生日期、性别相同而证件不同，可能是同一人") % {"others": described}))
    warnings.sort(key=lambda warning: warning.row)
    return warnings


NAMESAKE_FIELDS = (
    "name", "birth_date", "gender", "region__tree_id", "region__lft", "id_type", "id_number_masked", "region__full_name",
    "id_number_hash",
)


def _people_named(people, keys: set[tuple]) -> list[tuple]:
    """NAMESAKE_FIELDS of the `people` with one of these (name, birth date) pairs: one query per 10,000 names."""
    names = sorted({name for name, _birth in keys})
    return [
        person for chunk in chunks(names, NAME_CHUNK)
        for person in people.filter(name__in=chunk).values_list(*NAMESAKE_FIELDS).iterator(chunk_size=2000)
        if person[:2] in keys
    ]


def _resident_people_with(keys: set[tuple]) -> list[tuple]:
    """NAMESAKE_FIELDS of the people of resident IDs with one of these (name, birth date) pairs. On PostgreSQL one
    query joining the pairs, sent as two arrays, to the people: a probe of the (name, birth date) index per pair."""
    if not keys or connection.vendor != "postgresql":
        return _people_named(Person.objects.filter(id_type=RESIDENT_ID), keys)
    pairs = sorted(keys)
    person, region = connection.ops.quote_name(Person._meta.db_table), connection.ops.quote_name(Region._meta.db_table)
    sql = (
        "SELECT p.name, p.birth_date, p.gender, r.tree_id, r.lft, p.id_type, p.id_number_masked, r.full_name, p.id_number_hash "
        f"FROM {person} p JOIN unnest(%s::text[], %s::date[]) AS k(name, birth) ON p.name = k.name AND p.birth_date = k.birth "
        f"JOIN {region} r ON r.id = p.region_id WHERE p.id_type = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [[name for name, _birth in pairs], [birth for _name, birth in pairs], RESIDENT_ID])
        return cursor.fetchall()
