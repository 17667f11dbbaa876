"""orgs.common.bulk.copy_insert on PostgreSQL: COPY's binary format where every column's type allows it (the census
import's people), text where one does not (a history row's JSON changes); both store exactly the values given."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from census.registry.models import Person, PersonEvent, PersonEventKind
from orgs.common.bulk import _binary_copy_types, copy_insert
from tests.census.factories import register_person

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's (SQLite: bulk_create)"),
]


def test_people_go_in_binary_and_history_rows_with_json_in_text(census_staff):
    with connection.cursor() as cursor:
        assert _binary_copy_types(cursor, Person._meta.db_table, ("name", "birth_date", "region_id", "is_needy", "created_at"))
        assert _binary_copy_types(cursor, PersonEvent._meta.db_table, ("person_id", "changes")) is None
        assert _binary_copy_types(cursor, Person._meta.db_table, ("name", "no_such_column")) is None


def test_both_formats_store_the_values_given(census_staff):
    person = register_person(census_staff, seed=31)
    now = timezone.now()
    columns = (
        "name", "gender", "birth_date", "category", "region_id", "unit_id", "country", "is_needy", "is_left_behind_child",
        "is_empty_nest_elderly", "is_high_level_talent", "is_new_overseas", "notes", "id_type", "phone_encrypted", "phone_hash",
        "phone_masked", "id_number_encrypted", "id_number_hash", "id_number_masked", "created_at", "updated_at",
    )
    row = (
        "王\\五\t“引号”", "F", dt.date(1961, 2, 3), person.category, person.region_id, None, "", True, False, False, True, False,
        "两行\n备注", "passport", "", "", "", "x", "f" * 64, "E1*****78", now, now,
    )
    assert copy_insert(Person, columns, [row]) == 1
    stored = Person.objects.values_list(*(c.removesuffix("_id") if c in ("region_id", "unit_id") else c for c in columns)).get(id_number_hash="f" * 64)
    assert stored == row
    changes = {"name": ["甲", "乙"], "note": "引号\" 与 \\"}
    assert copy_insert(PersonEvent, ("person_id", "kind", "at", "changes", "note"), [(person.pk, PersonEventKind.IMPORTED, now, changes, "")]) == 1
    assert PersonEvent.objects.filter(person=person, kind=PersonEventKind.IMPORTED).values_list("changes", flat=True).get() == changes
