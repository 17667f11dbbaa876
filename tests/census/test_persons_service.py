"""Person writes: register, change, transfer, reveal. One ID is one record across the registry; the ID
is stored encrypted, found by keyed hash, shown masked; every change leaves history."""
from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from census.registry.models import Headcount, Person, PersonEvent, PersonEventKind
from census.registry.services import (
    person_create,
    person_reveal,
    person_transfer,
    person_update,
)
from census.registry.signals import census_changed
from orgs.access.scoping import forget_scope
from orgs.common.crypto import decrypt_text, lookup_hash
from orgs.regions.models import Region
from orgs.units.models import Unit
from tests.census import import_files as files

HUANING = "此证件号码已在云南省玉溪市华宁县登记，请联系该县办理迁移"


@pytest.fixture
def places(db):
    codes = {"hexi": "530423101", "nagu": "530423102", "tonghai": "530423", "huaning": "530424"}
    return {key: Region.objects.get(code=code) for key, code in codes.items()}


@pytest.fixture
def school(places):
    return Unit.objects.create(name="通海县第一中学", kind="school", region=places["hexi"])


@pytest.fixture
def number():
    return files.id_born("530423", dt.date(1980, 5, 6), sequence=123)


@pytest.fixture
def tonghai_person(tonghai_official, places, school, number):
    return person_create(
        editor=tonghai_official, name="李四", id_number=number, category="returned", region=places["hexi"], unit=school,
        phone="13900000000",
    )


def grant_reveal(user):
    user.user_permissions.add(Permission.objects.get(content_type__app_label="census", codename="reveal_id_number"))
    for cache in ("_perm_cache", "_user_perm_cache"):
        if hasattr(user, cache):
            delattr(user, cache)
    forget_scope(user)


# ---------------------------------------------------------------- create


@pytest.mark.django_db
def test_create_stores_the_id_encrypted_hashed_and_masked(tonghai_person, number):
    person = Person.objects.get(pk=tonghai_person.pk)
    assert person.id_number_masked == number[:6] + "********" + number[-4:]
    assert person.id_number_hash == lookup_hash(number)
    assert number not in person.id_number_encrypted
    assert decrypt_text(person.id_number_encrypted) == number
    assert (person.gender, person.birth_date) == ("M", dt.date(1980, 5, 6))  # from the ID
    [event] = person.events.all()
    assert (event.kind, event.to_region.code) == (PersonEventKind.CREATED, "530423101")


@pytest.mark.django_db
def test_the_database_never_holds_the_plain_id(tonghai_person, number, tonghai_official):
    person_update(person=tonghai_person, editor=tonghai_official, phone="13911112222")
    middle = number[6:14]
    with connection.cursor() as cursor:
        for table in (Person._meta.db_table, PersonEvent._meta.db_table, LogEntry._meta.db_table):
            cursor.execute(f"SELECT * FROM {table}")
            for raw in cursor.fetchall():
                text = " ".join(str(v) for v in raw)
                assert number not in text and number.lower() not in text, table
                assert middle not in text, table  # not even the masked-out digits


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", ["plain", "full_width", "spaced"])
def test_the_same_id_in_another_county_is_refused_naming_only_the_county(
    huaning_official, tonghai_official, places, spelling
):
    number = files.ids("530424", 1, seed=201)[0]
    person_create(
        editor=huaning_official, name="华宁秘密姓名", id_number=number, category="relative", region=places["huaning"],
        phone="13711112222", notes="秘密备注",
    )
    typed = {
        "plain": number,
        "full_width": number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}).lower(),
        "spaced": f"{number[:6]} {number[6:14]} {number[14:]}",
    }[spelling]

    with pytest.raises(ValidationError) as caught:
        person_create(editor=tonghai_official, name="别人", id_number=typed, category="returned", region=places["hexi"])

    assert caught.value.message_dict == {"id_number": [HUANING]}
    for secret in ("华宁秘密姓名", "13711112222", "秘密备注", number[6:14]):
        assert secret not in str(caught.value)
    assert Person.objects.filter(region=places["hexi"]).count() == 0


@pytest.mark.django_db
def test_the_same_id_twice_in_one_county_is_refused(tonghai_person, tonghai_official, places, number):
    with pytest.raises(ValidationError) as caught:
        person_create(editor=tonghai_official, name="重复", id_number=number, category="relative", region=places["nagu"])
    assert caught.value.message_dict == {"id_number": ["此证件号码已在云南省玉溪市通海县登记，请联系该县办理迁移"]}


@pytest.mark.django_db
def test_create_outside_the_editors_scope_is_refused(tonghai_official, yuxi_leader, places):
    huaning_unit = Unit.objects.create(name="华宁县第一中学", kind="school", region=places["huaning"])
    number = files.ids("530423", 1, seed=202)[0]
    with pytest.raises(ValidationError) as caught:
        person_create(editor=tonghai_official, name="甲", id_number=number, category="relative", region=places["huaning"])
    assert caught.value.message_dict == {"region": ["居住地“云南省玉溪市华宁县”不在您的管辖范围内"]}
    with pytest.raises(ValidationError) as caught:
        person_create(editor=tonghai_official, name="甲", id_number=number, category="relative", region=places["hexi"], unit=huaning_unit)
    assert caught.value.message_dict == {"unit": ["单位“华宁县第一中学”不在您的管辖范围内"]}
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        person_create(editor=yuxi_leader, name="甲", id_number=number, category="relative", region=places["hexi"])
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_create_checks_the_id_against_gender_and_birth(tonghai_official, places, number):
    with pytest.raises(ValidationError) as caught:
        person_create(
            editor=tonghai_official, name="甲", id_number=number, category="relative", region=places["hexi"],
            gender="F", birth_date=dt.date(1990, 1, 1), phone="电话",
        )
    assert set(caught.value.message_dict) == {"gender", "birth_date", "phone"}
    with pytest.raises(ValidationError) as caught:
        person_create(editor=tonghai_official, name="甲", id_number=number[:17] + ("0" if number[17] != "0" else "1"), category="relative", region=places["hexi"])
    assert "id_number" in caught.value.message_dict


# ---------------------------------------------------------------- update


@pytest.mark.django_db
def test_update_records_the_changes(tonghai_person, tonghai_official, campaign):
    person_update(person=tonghai_person, editor=tonghai_official, phone="139 1111 2222", name="李四光", is_needy=True)

    person = Person.objects.get(pk=tonghai_person.pk)
    assert (person.name, person.phone, person.is_needy) == ("李四光", "13911112222", True)
    event = person.events.first()
    assert (event.kind, event.actor, event.from_region, event.to_region) == (PersonEventKind.UPDATED, tonghai_official, None, None)
    assert event.changes == {"name": ["李四", "李四光"], "phone": ["139****0000", "139****2222"], "is_needy": [False, True]}  # phones masked in history

    count = PersonEvent.objects.count()
    person_update(person=person, editor=tonghai_official, phone="13911112222")  # no change: no event
    assert PersonEvent.objects.count() == count


@pytest.mark.django_db
def test_changing_the_id_keeps_it_out_of_the_history(tonghai_person, tonghai_official):
    new_number = files.id_born("530423", dt.date(1980, 5, 6), sequence=125)
    person_update(person=tonghai_person, editor=tonghai_official, id_number=new_number)

    person = Person.objects.get(pk=tonghai_person.pk)
    assert person.id_number_hash == lookup_hash(new_number)
    assert decrypt_text(person.id_number_encrypted) == new_number
    event = person.events.first()
    assert event.changes == {"id_number": ["******", new_number[:6] + "********" + new_number[-4:]]}


@pytest.mark.django_db
def test_update_to_an_id_registered_elsewhere_is_refused(tonghai_person, tonghai_official, huaning_official, places):
    number = files.ids("530424", 1, seed=203)[0]
    person_create(editor=huaning_official, name="华宁人", id_number=number, category="relative", region=places["huaning"])
    with pytest.raises(ValidationError) as caught:
        person_update(person=tonghai_person, editor=tonghai_official, id_number=number)
    assert caught.value.message_dict == {"id_number": [HUANING]}


@pytest.mark.django_db
def test_another_county_cannot_update_or_move(tonghai_person, huaning_official, places):
    with pytest.raises(PermissionDenied):
        person_update(person=tonghai_person, editor=huaning_official, phone="13800000000")
    with pytest.raises(PermissionDenied):
        person_transfer(person=tonghai_person, editor=huaning_official, to_region=places["huaning"])
    assert Person.objects.get(pk=tonghai_person.pk).phone == "13900000000"


@pytest.mark.django_db
def test_update_cannot_move_a_person_out_of_the_scope(tonghai_person, tonghai_official, places):
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        person_update(person=tonghai_person, editor=tonghai_official, region=places["huaning"], unit=None)
    assert Person.objects.get(pk=tonghai_person.pk).region == places["hexi"]


# ---------------------------------------------------------------- transfer


@pytest.mark.django_db
def test_transfer_between_counties_keeps_history_and_updates_both_headcounts(
    tonghai_person, yuxi_staff, tonghai_official, places, school, campaign, django_capture_on_commit_callbacks
):
    # the registration happened before the campaign existed: count it in now
    from census.registry.headcounts import headcounts_rebuild

    headcounts_rebuild(campaign=campaign)
    assert Headcount.objects.get(campaign=campaign, region=places["hexi"], unit=None, category="returned").count == 1
    assert Headcount.objects.get(campaign=campaign, unit=school, category="returned").count == 1
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    census_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            moved = person_transfer(person=tonghai_person, editor=yuxi_staff, to_region=places["huaning"], note="随子女迁居")
    finally:
        census_changed.disconnect(receiver)

    assert (moved.region, moved.unit) == (places["huaning"], None)
    kinds = list(moved.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == [PersonEventKind.CREATED, PersonEventKind.TRANSFERRED]
    event = moved.events.first()
    assert (event.from_region, event.to_region, event.actor, event.note) == (places["hexi"], places["huaning"], yuxi_staff, "随子女迁居")
    assert event.changes == {"region": [places["hexi"].pk, places["huaning"].pk], "unit": [school.pk, None]}

    assert not Headcount.objects.filter(campaign=campaign, region=places["hexi"], unit=None).exists()
    assert not Headcount.objects.filter(campaign=campaign, unit=school).exists()
    assert Headcount.objects.get(campaign=campaign, region=places["huaning"], unit=None, category="returned").count == 1
    assert received and received[0]["region_ids"] == {places["hexi"].pk, places["huaning"].pk}
    assert received[0]["unit_ids"] == {school.pk}

    # the history stays with the person; 通海县 no longer sees them, 华宁县 does
    assert not Person.objects.visible_to(tonghai_official).filter(pk=moved.pk).exists()
    assert PersonEvent.objects.filter(person=moved).count() == 2


@pytest.mark.django_db
def test_a_county_cannot_transfer_into_another_county(tonghai_person, tonghai_official, places):
    with pytest.raises(ValidationError) as caught:
        person_transfer(person=tonghai_person, editor=tonghai_official, to_region=places["huaning"])
    assert caught.value.message_dict == {"to_region": ["迁入地“云南省玉溪市华宁县”不在您的管辖范围内"]}
    with pytest.raises(ValidationError, match="迁入地与现居住地相同"):
        person_transfer(person=tonghai_person, editor=tonghai_official, to_region=places["hexi"])
    before = tonghai_person.updated_at
    moved = person_transfer(person=tonghai_person, editor=tonghai_official, to_region=places["nagu"])
    assert moved.region == places["nagu"]
    assert moved.updated_at > before  # a transfer is a change like any other


@pytest.mark.django_db
def test_transfer_records_where_the_person_really_was(tonghai_person, tonghai_official, yuxi_staff, places):
    stale = Person.objects.get(pk=tonghai_person.pk)
    person_transfer(person=tonghai_person, editor=tonghai_official, to_region=places["nagu"])

    person_transfer(person=stale, editor=yuxi_staff, to_region=places["huaning"])  # `stale` still says 河西镇

    event = Person.objects.get(pk=stale.pk).events.first()
    assert (event.from_region, event.to_region) == (places["nagu"], places["huaning"])


# ---------------------------------------------------------------- reveal


@pytest.mark.django_db
def test_reveal_needs_the_permission_and_is_audited(tonghai_person, tonghai_official, huaning_official, number):
    with pytest.raises(PermissionDenied):
        person_reveal(person=tonghai_person, viewer=tonghai_official)
    assert not LogEntry.objects.filter(additional_data__event="reveal").exists()

    grant_reveal(tonghai_official)
    revealed = person_reveal(person=tonghai_person, viewer=tonghai_official)

    assert revealed == {"id_type": "resident_id", "id_number": number, "phone": "13900000000"}
    [entry] = LogEntry.objects.filter(additional_data__event="reveal")
    assert entry.actor == tonghai_official
    assert entry.object_pk == str(tonghai_person.pk)
    assert number not in entry.object_repr

    grant_reveal(huaning_official)  # the permission does not reach across counties
    with pytest.raises(PermissionDenied):
        person_reveal(person=tonghai_person, viewer=huaning_official)
    assert LogEntry.objects.filter(additional_data__event="reveal").count() == 1


@pytest.mark.django_db
def test_the_person_page_shows_changes_by_field_name_and_values_in_words(tonghai_person, tonghai_official, places, client_for, django_assert_max_num_queries):
    from census.registry.selectors import history_change_lines, person_history

    person_update(
        person=tonghai_person, editor=tonghai_official, phone="13911112222", category="relative", region=places["nagu"],
        unit=None, is_needy=True, notes="已核实",
    )
    html = client_for(tonghai_official).get(f"/census/persons/{tonghai_person.pk}/").content.decode()
    changes = html.split('data-testid="history"', 1)[1]
    for line in (
        "联系电话</span>：139****0000 → 139****2222",
        "类别</span>：归侨 → 侨眷",
        "居住地</span>：云南省玉溪市通海县河西镇 → 云南省玉溪市通海县纳古镇",
        "工作单位</span>：通海县第一中学 → —",
        "困难群众</span>：否 → 是",
        "备注</span>：— → 已核实",
    ):
        assert line in changes
    assert "phone" not in changes and "region" not in changes
    events = person_history(tonghai_person)
    with django_assert_max_num_queries(2):  # regions and units, for all the events at once
        history_change_lines(events)


@pytest.mark.django_db
def test_the_edit_form_gives_the_date_input_an_iso_date(tonghai_person, tonghai_official, client_for):
    """<input type="date"> takes only YYYY-MM-DD: the Chinese display format (1980/05/06) would leave it blank."""
    import re

    html = client_for(tonghai_official).get(f"/census/persons/{tonghai_person.pk}/edit/").content.decode()
    [tag] = re.findall(r'<input[^>]*name="birth_date"[^>]*>', html)
    assert 'type="date"' in tag and 'value="1980-05-06"' in tag


@pytest.mark.django_db
def test_the_person_list_filters_read_as_staff_expect(tonghai_person, tonghai_official, places, client_for):
    """Yes/no filters offer 不限/是/否, categories are check boxes, units are found by name; a unit id
    from a link rides along as a hidden field and still filters."""
    person_create(editor=tonghai_official, name="王五", id_number=files.ids("530423", 1, seed=61)[0], category="relative", region=places["nagu"])
    client = client_for(tonghai_official)

    html = client.get("/census/persons/").content.decode()
    assert '<option value="" selected>不限</option>' in html and "未知" not in html
    assert 'type="checkbox" name="category" value="returned"' in html
    assert 'name="unit"' in html and 'type="hidden" name="unit"' in html

    def names(query: str) -> set[str]:
        page = client.get(f"/census/persons/?{query}").content.decode()
        return {name for name in ("李四", "王五") if f">{name}<" in page}

    assert names("unit_name=第一中学") == {"李四"}
    assert names(f"unit={tonghai_person.unit_id}") == {"李四"}
    assert names("category=relative&is_needy=") == {"王五"}
    assert names("is_needy=false") == {"李四", "王五"} and names("is_needy=true") == set()
