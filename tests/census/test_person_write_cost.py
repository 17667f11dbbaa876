"""census 0023 to 0025: what a person row costs the database to write, without losing what the constraints and
indexes kept.

`verified_campaign` has no database constraint (its check ran once per imported row at COMMIT): a campaign's
deletion still clears the field (Django's SET_NULL), and an import's campaign cannot be deleted while its record
exists (PROTECT, with the record's own constraint). The keyed hashes are in the "C" collation on PostgreSQL, and the
phone's look-up index is a hash index there (a b-tree elsewhere) that the search by phone uses; one index there serves
the scoped name search and the counts by place and category."""
from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, ProtectedError

from census.registry.models import Person
from orgs.common.phones import phone_lookup_hashes, with_phone_hashes
from tests.census.factories import CampaignFactory, import_record, register_person


@pytest.mark.django_db
def test_deleting_a_campaign_clears_it_from_the_people_verified_in_it(census_staff):
    campaign = CampaignFactory(year=2024)
    person = register_person(census_staff, seed=11, verified_campaign=campaign)
    other = register_person(census_staff, seed=12)

    campaign.delete()

    person.refresh_from_db()
    other.refresh_from_db()
    assert person.verified_campaign_id is None
    assert Person.objects.filter(pk__in=[person.pk, other.pk]).count() == 2


@pytest.mark.django_db
def test_the_campaign_of_an_import_cannot_be_deleted(census_staff):
    campaign = CampaignFactory(year=2024)
    import_record(census_staff, campaign)
    register_person(census_staff, seed=13, verified_campaign=campaign)

    with pytest.raises(ProtectedError):
        campaign.delete()
    # nor behind Django's back: the record's constraint holds it
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM census_campaign WHERE id = %s", [campaign.pk])
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if connection.vendor != "postgresql":
            connection.check_constraints(table_names=["census_censusimport"])  # SQLite checks at COMMIT otherwise


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="collations are PostgreSQL's here")
def test_the_keyed_hashes_compare_bytes_and_stay_unique(census_staff):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, collation_name FROM information_schema.columns "
            "WHERE table_name = 'census_person' AND column_name IN ('id_number_hash', 'phone_hash') ORDER BY column_name"
        )
        assert cursor.fetchall() == [("id_number_hash", "C"), ("phone_hash", "C")]
    person = register_person(census_staff, seed=14, phone="13800001111")
    other = register_person(census_staff, seed=15, phone="")
    assert Person.objects.get(id_number_hash=person.id_number_hash) == person
    assert list(with_phone_hashes(Person.objects.all(), phone_lookup_hashes("13800001111") or [])) == [person]
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=other.pk).update(id_number_hash=person.id_number_hash)


@pytest.mark.django_db
def test_the_search_by_phone_finds_people_through_the_phone_index(census_staff):
    person = register_person(census_staff, seed=16, phone="13800002222")
    register_person(census_staff, seed=17, phone="13900003333")
    register_person(census_staff, seed=18, phone="")
    hashes = phone_lookup_hashes("138-0000-2222") or []

    assert list(with_phone_hashes(Person.objects.all(), hashes)) == [person]
    assert list(with_phone_hashes(Person.objects.all(), [])) == []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'person_phone_hash_idx'")
            assert "USING hash (phone_hash)" in cursor.fetchone()[0]
            cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: the planner would rather scan them
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        sql, params = with_phone_hashes(Person.objects.all(), hashes).values("id").query.sql_with_params()
        cursor.execute(explain + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "person_phone_hash_idx" in plan


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the scoped name index is PostgreSQL's (census 0019, 0025)")
def test_one_index_serves_the_scoped_name_search_and_the_counts_by_place_and_category(census_staff):
    person = register_person(census_staff, seed=19)
    in_place = Person.objects.filter(region_id__in=[person.region_id])
    queries = [
        in_place.filter(name__startswith=person.name[:1]).values("id"),
        in_place.values("region_id", "category").annotate(n=Count("pk")).order_by(),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'census_person' AND indexname LIKE 'person_region%'")
        assert [row[0].split(" USING ")[1] for row in cursor.fetchall()] == [
            "btree (region_id, name varchar_pattern_ops) INCLUDE (category)"
        ]
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in queries:
            sql, params = query.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            assert "person_region_name_idx" in " ".join(row[0] for row in cursor.fetchall()), sql
    assert in_place.values("region_id", "category").annotate(n=Count("pk")).order_by().get()["n"] == 1
