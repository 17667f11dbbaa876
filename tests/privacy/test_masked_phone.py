"""Issue 18 §5: the person edit page shows the phone masked to users who may not reveal it (and keeps the stored
number when it is sent back unchanged); the audit trail keeps phone and document numbers masked only."""
from __future__ import annotations

from importlib import import_module

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from census.registry.models import Person
from census.registry.services import person_update
from tests.census.factories import register_person, valid_id

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def edit_form(person: Person, **changes) -> dict:
    data = {
        "name": person.name, "id_type": person.id_type, "id_number": "", "gender": person.gender,
        "birth_date": person.birth_date.isoformat(), "category": person.category, "region": person.region.code,
        "unit": "", "country": person.country, "phone": person.phone_masked, "notes": person.notes,
    }
    data.update(changes)
    return data


def test_the_edit_form_shows_the_phone_masked_without_the_reveal_permission(tonghai_client, tonghai_official):
    person = register_person(tonghai_official, seed=1821, phone=PHONE)
    assert not tonghai_official.has_perm("census.reveal_id_number")

    page = tonghai_client.get(f"/census/persons/{person.pk}/edit/").content.decode()

    assert PHONE not in page
    assert person.phone_masked in page


def test_the_masked_phone_sent_back_keeps_the_stored_number(tonghai_client, tonghai_official):
    person = register_person(tonghai_official, seed=1822, phone=PHONE)
    response = tonghai_client.post(f"/census/persons/{person.pk}/edit/", edit_form(person, country="新加坡"))
    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert person.phone == PHONE and person.country == "新加坡"

    response = tonghai_client.post(f"/census/persons/{person.pk}/edit/", edit_form(person, phone="13800001111"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "13800001111"


def test_a_user_who_may_reveal_sees_and_edits_the_full_phone(client_for, tonghai_official):
    tonghai_official.user_permissions.add(Permission.objects.get(codename="reveal_id_number"))
    person = register_person(tonghai_official, seed=1823, phone=PHONE)
    page = client_for(tonghai_official).get(f"/census/persons/{person.pk}/edit/").content.decode()
    assert f'value="{PHONE}"' in page


def test_the_audit_trail_keeps_phones_and_document_numbers_masked(tonghai_client, tonghai_official):
    number = valid_id(1824)
    person = register_person(tonghai_official, seed=1824, phone=PHONE)
    person_update(person=person, editor=tonghai_official, phone="13800002222")
    response = tonghai_client.post(f"/census/persons/{person.pk}/edit/", edit_form(Person.objects.get(pk=person.pk), phone="13700003333"))
    assert response.status_code == 302

    rows = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Person), object_pk=str(person.pk))
    assert rows.count() >= 3
    for entry in rows:
        stored = f"{entry.changes} {entry.changes_text} {entry.object_repr} {entry.serialized_data} {entry.additional_data}"
        for secret in (PHONE, "13800002222", "13700003333", number):
            assert secret not in stored, (entry.action, stored)
    update = rows.filter(action=LogEntry.Action.UPDATE).order_by("pk").first()
    # the stored mask is the field the trail records; the ciphertext and the hash are not recorded at all
    assert update.changes_dict["phone_masked"] == ["139****5678", "138****2222"]
    assert not {"phone", "phone_encrypted", "phone_hash"} & set(update.changes_dict)


def test_the_migration_masks_phones_recorded_before(tonghai_official):
    person = register_person(tonghai_official, seed=1825, phone=PHONE)
    old = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Person), object_pk=str(person.pk), object_repr="x",
        action=LogEntry.Action.UPDATE, changes={"phone": [PHONE, "13800004444"], "country": ["", "泰国"]},
    )
    import_module("census.migrations.0016_mask_phones_in_audit").mask_recorded_phones(apps, None)
    old.refresh_from_db()
    assert old.changes == {"phone": ["139****5678", "138****4444"], "country": ["", "泰国"]}
