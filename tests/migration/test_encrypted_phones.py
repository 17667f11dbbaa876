"""Migrations census 0020 and orgs 0017 (issue 21 §3) encrypt the phones stored in clear before: of the people, the
account profiles and the volunteers; each keeps its number (decrypted equal), gets its keyed hash and masked form,
and the clear columns are gone. Run on a copy of the demo database of before, in its own process, as a deployment
would."""
from __future__ import annotations

import json
import sqlite3

from tests.migration.test_existing_database import manage, old_database  # noqa: F401  (the fixture)

ACCOUNT_PHONE = "13712345678"
VOLUNTEER_PHONE = "0877-1234567"


def columns(connection, table: str) -> set[str]:
    return {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}


def test_the_clear_phones_are_encrypted_hashed_and_masked_and_their_columns_dropped(old_database):  # noqa: F811
    done = manage(old_database, "migrate", "orgs", "0016_region_subtree_ids_index", "--noinput")
    assert done.returncode == 0, done.stderr[-2000:]
    with sqlite3.connect(old_database) as connection:
        people = dict(connection.execute("SELECT id, phone FROM census_person WHERE phone <> '' ORDER BY id"))
        user_id = connection.execute("SELECT MIN(id) FROM auth_user").fetchone()[0]
        organization_id = connection.execute("SELECT MIN(id) FROM orgs_organization").fetchone()[0]
        connection.execute(
            "INSERT INTO orgs_accountprofile (id, user_id, phone, must_change_password, created_at) VALUES (1, ?, ?, 0, '2026-01-01')",
            (user_id, ACCOUNT_PHONE),
        )
        connection.execute(
            "INSERT INTO orgs_volunteer (id, organization_id, name, phone, is_returned_or_relative, skills, joined_on, active, "
            "created_at) VALUES (1, ?, '志愿者', ?, 0, '', '2025-01-01', 1, '2026-01-01')",
            (organization_id, VOLUNTEER_PHONE),
        )
        connection.execute(
            "INSERT INTO orgs_volunteer (id, organization_id, name, phone, is_returned_or_relative, skills, joined_on, active, "
            "created_at) VALUES (2, ?, '无电话', '', 0, '', '2025-01-01', 1, '2026-01-01')",
            (organization_id,),
        )
    assert len(people) == 6000

    done = manage(old_database, "migrate", "--noinput")
    assert done.returncode == 0, done.stderr[-2000:]

    with sqlite3.connect(old_database) as connection:
        for table in ("census_person", "orgs_accountprofile", "orgs_volunteer"):
            assert "phone" not in columns(connection, table)
            assert {"phone_encrypted", "phone_hash", "phone_masked"} <= columns(connection, table)
        stored = " ".join(str(value) for row in connection.execute("SELECT * FROM census_person") for value in row)
        assert not any(phone in stored for phone in list(people.values())[:500])
        for table, phone in (("orgs_accountprofile", ACCOUNT_PHONE), ("orgs_volunteer", VOLUNTEER_PHONE)):
            row = connection.execute(f"SELECT * FROM {table} WHERE id = 1").fetchone()
            assert phone not in " ".join(map(str, row))
        assert connection.execute("SELECT phone_encrypted, phone_hash, phone_masked FROM orgs_volunteer WHERE id = 2").fetchone() == ("", "", "")

    # Today's models read every number back, with the keyed hash of its normal form and its mask.
    code = (
        "import json; from census.registry.models import Person; from orgs.accounts.models import AccountProfile; "
        "from orgs.training.models import Volunteer; from orgs.common.crypto import lookup_hash; "
        "from orgs.common.identifiers import mask_phone, normalize_phone; "
        "people = {p.pk: p.phone for p in Person.objects.all()}; "
        "assert all(p.phone_hash == lookup_hash(normalize_phone(p.phone)) and p.phone_masked == mask_phone(p.phone) "
        "for p in Person.objects.all()[:200]); "
        "print(json.dumps({'people': people, 'account': AccountProfile.objects.get(pk=1).phone, "
        "'volunteer': Volunteer.objects.get(pk=1).phone, 'hash': Volunteer.objects.get(pk=1).phone_hash == "
        "lookup_hash('08771234567')}))"
    )
    read = manage(old_database, "shell", "-c", code)
    assert read.returncode == 0, read.stderr[-2000:]
    result = json.loads(read.stdout.strip().splitlines()[-1])
    assert {int(pk): phone for pk, phone in result["people"].items()} == people
    assert (result["account"], result["volunteer"], result["hash"]) == (ACCOUNT_PHONE, VOLUNTEER_PHONE, True)
