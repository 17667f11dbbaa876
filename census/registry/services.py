"""Registry writes: persons (register, change, transfer, reveal: one ID is one record across the
registry), units and campaigns."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from census.registry.headcounts import headcounts_rebuild, headcounts_refresh
from census.registry.locks import census_lock_check
from census.registry.models import (
    FLAG_FIELDS,
    Campaign,
    DocumentType,
    Headcount,
    Person,
    PersonDocument,
    PersonEvent,
    PersonEventKind,
)
from census.registry.selectors import open_campaigns_covering
from census.registry.signals import census_changed
from orgs.access.scoping import encloses, user_scope
from orgs.common.audit import AuditEvent, audit_event
from orgs.common.bulk import chunks
from orgs.common.crypto import decrypt_text, encrypt_text, lookup_hash, lookup_hashes
from orgs.common.identifiers import (
    PASSPORT,
    IdentifierError,
    document_gives_birth,
    document_key,
    mask_document,
    mask_phone,
    resident_id_birth_date,
    resident_id_gender,
    validate_document,
    validate_phone,
    validate_uscc,
)
from orgs.common.phones import phone_fields
from orgs.organizations.models import Organization
from orgs.regions.models import Region, RegionLevel
from orgs.units.models import TWO_NEW_KINDS, Unit

EDITABLE_FIELDS = ("name", "gender", "birth_date", "category", "region", "unit", "country", "phone", *FLAG_FIELDS, "notes")


def county_of(region: Region) -> Region:
    """The county a region lies in (itself when it is one or above)."""
    if region.level in (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY):
        return region
    return region.get_ancestors().filter(level=RegionLevel.COUNTY).first() or region


def document_hash(id_type: str, number: str) -> str:
    """The keyed hash a (type, normalised number) is stored with now (the current scheme)."""
    return lookup_hash(document_key(id_type, number))


def document_hashes(id_type: str, number: str) -> list[str]:
    """Every hash a stored (type, number) may have (the current scheme's first): what look-ups ask for, so that a
    person written under an earlier key or cipher is found until `rotate_keys` has re-hashed it
    (orgs.common.crypto, "Transition")."""
    return lookup_hashes(document_key(id_type, number))


def person_find_by_document(id_type: str, number: str) -> Person | None:
    """The registered person holding this document (as their own or a linked one; any scope), or None. For
    checks, not for display."""
    digests = document_hashes(id_type, number)
    person = Person.objects.select_related("region").filter(id_number_hash__in=digests).first()
    if person is None:
        person = Person.objects.select_related("region").filter(documents__number_hash__in=digests).first()
    return person


def person_find_by_id_number(id_number: str) -> Person | None:
    """The registered person with this resident ID (any scope), or None. For checks, not for display."""
    return person_find_by_document(DocumentType.RESIDENT_ID, id_number)


def _check_unique(id_type: str, number: str, *, exclude_pk: int | None = None) -> None:
    other = person_find_by_document(id_type, number)
    if other is not None and other.pk != exclude_pk:
        raise ValidationError(
            {"id_number": _("此证件号码已在%(county)s登记，请联系该县办理迁移") % {"county": county_of(other.region).full_name}}
        )


def _check_places(*, region: Region, unit: Unit | None, editor) -> None:
    if not Region.objects.editable_by(editor).filter(pk=region.pk).exists():
        raise ValidationError({"region": _("居住地“%(region)s”不在您的管辖范围内") % {"region": region.full_name}})
    if unit is not None and not Unit.objects.editable_by(editor).filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("单位“%(unit)s”不在您的管辖范围内") % {"unit": unit.name}})


def _normalise(
    id_type: str, id_number: str, gender: str | None, birth_date: dt.date | None, phone: str, country: str
) -> tuple[str, str, dt.date, str]:
    """The document's number validated by its type's rule, the sex and birth date (from the number where it
    carries them, else as given: then required) and the phone. Raises ValidationError by field."""
    errors = {}
    try:
        number = validate_document(id_type, id_number)
    except IdentifierError as error:
        raise ValidationError({"id_number": str(error)}) from None
    if document_gives_birth(id_type, number):
        implied_gender, implied_birth = resident_id_gender(number), resident_id_birth_date(number)
        if gender and gender != implied_gender:
            errors["gender"] = _("与证件号码中的性别不一致")
        if birth_date and birth_date != implied_birth:
            errors["birth_date"] = _("与证件号码中的出生日期 %(date)s 不一致") % {"date": implied_birth.isoformat()}
        gender, birth_date = implied_gender, implied_birth
    else:
        if not gender:
            errors["gender"] = _("此证件号码不含性别，请填写性别")
        if not birth_date:
            errors["birth_date"] = _("此证件号码不含出生日期，请填写出生日期")
    if id_type == PASSPORT and not country.strip():
        errors["country"] = _("持护照登记的须填写侨居国(地区)")
    try:
        phone = validate_phone(phone)
    except IdentifierError as error:
        errors["phone"] = str(error)
    if errors:
        raise ValidationError(errors)
    assert gender is not None and birth_date is not None  # both given or both from the number: checked above
    return number, gender, birth_date, phone


def _document_fields(id_type: str, number: str) -> dict[str, str]:
    return {
        "id_type": id_type, "id_number_encrypted": encrypt_text(number), "id_number_hash": document_hash(id_type, number),
        "id_number_masked": mask_document(number),
    }


def _changed(region_ids: set[int], unit_ids: set[int], campaign: Campaign | None = None) -> None:

    regions = Region.objects.filter(pk__in=region_ids)
    campaigns = [campaign] if campaign else open_campaigns_covering(list(regions))
    for round_ in campaigns:
        headcounts_refresh(campaign=round_, region_ids=region_ids, unit_ids=unit_ids)
    transaction.on_commit(
        lambda: census_changed.send(sender=Person, region_ids=frozenset(region_ids), unit_ids=frozenset(unit_ids), campaign=campaign)
    )


@transaction.atomic
def person_create(
    *,
    editor,
    name: str,
    id_number: str,
    category: str,
    region: Region,
    id_type: str = DocumentType.RESIDENT_ID,
    gender: str | None = None,
    birth_date: dt.date | None = None,
    unit: Unit | None = None,
    country: str = "",
    phone: str = "",
    notes: str = "",
    verified_campaign: Campaign | None = None,
    **flags: bool,
) -> Person:
    """Registers a person in the editor's scope by an identity document (a resident ID unless `id_type` says
    otherwise); refuses a document already registered anywhere."""
    number, gender, birth_date, phone = _normalise(id_type, id_number, gender, birth_date, phone, country)
    _check_places(region=region, unit=unit, editor=editor)
    census_lock_check({region.pk})
    _check_unique(id_type, number)
    person = Person(
        name=name.strip(), gender=gender, birth_date=birth_date, category=category, region=region, unit=unit,
        country=country.strip(), notes=notes, verified_campaign=verified_campaign,
        **_document_fields(id_type, number), **phone_fields(phone),
        **{k: bool(v) for k, v in flags.items() if k in FLAG_FIELDS},
    )
    person.full_clean(exclude=["id_number_encrypted", "id_number_hash", "id_number_masked"])
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:  # a concurrent registration of the same document won the race
        _check_unique(id_type, number)
        raise
    PersonEvent.objects.create(person=person, kind=PersonEventKind.CREATED, actor=editor, to_region=region)
    _changed({region.pk}, {unit.pk} if unit else set())
    return person


@transaction.atomic
def person_update(*, person: Person, editor, id_number: str | None = None, id_type: str | None = None, **changes) -> Person:
    """Changes a person's data (a change of residence region is recorded as a transfer). A new document
    number (of `id_type`, else of the type held) replaces the one held."""
    locked = Person.objects.editable_by(editor).select_for_update(of=("self",)).filter(pk=person.pk).first()
    if locked is None:
        raise PermissionDenied
    census_lock_check({locked.region_id})
    before = {f: getattr(locked, f if f not in ("region", "unit") else f"{f}_id") for f in EDITABLE_FIELDS}
    before_type = locked.id_type
    number = None
    new_type = id_type or locked.id_type
    country = changes.get("country", locked.country)
    if id_number:
        number, gender, birth, phone = _normalise(
            new_type, id_number, changes.get("gender"), changes.get("birth_date"), changes.get("phone", locked.phone), country
        )
        _check_unique(new_type, number, exclude_pk=locked.pk)
        changes.update(gender=gender, birth_date=birth, phone=phone)
    elif id_type and id_type != locked.id_type:
        raise ValidationError({"id_number": _("更换证件类型时请同时填写新的证件号码")})
    elif changes.get("gender") or changes.get("birth_date") or "country" in changes:
        # Sex and birth date are facts of a number that carries them: checked against the stored one.
        stored = decrypt_text(locked.id_number_encrypted)
        _number, gender, birth, phone = _normalise(
            locked.id_type, stored, changes.get("gender") or locked.gender, changes.get("birth_date") or locked.birth_date,
            changes.get("phone", locked.phone), country,
        )
        changes.update(gender=gender, birth_date=birth, phone=phone)
    elif "phone" in changes:
        try:
            changes["phone"] = validate_phone(changes["phone"])
        except IdentifierError as error:
            raise ValidationError({"phone": str(error)}) from None
    region = changes.get("region", locked.region)
    unit = changes.get("unit", locked.unit)
    _check_places(region=region, unit=unit, editor=editor)
    if region.pk != before["region"]:
        census_lock_check({region.pk})  # moving into a locked county is changing it too
    for key, value in changes.items():
        if key in EDITABLE_FIELDS:
            setattr(locked, key, value)
    if number:
        for key, value in _document_fields(new_type, number).items():
            setattr(locked, key, value)
    locked.full_clean(exclude=["id_number_encrypted", "id_number_hash", "id_number_masked"])
    locked.save()
    after = {f: getattr(locked, f if f not in ("region", "unit") else f"{f}_id") for f in EDITABLE_FIELDS}
    diff = history_changes(before, after, EDITABLE_FIELDS)
    if number:
        diff["id_number"] = ["******", locked.id_number_masked]
        if before_type != locked.id_type:
            diff["id_type"] = [before_type, locked.id_type]
    moved = before["region"] != after["region"]
    if diff:
        PersonEvent.objects.create(
            person=locked,
            kind=PersonEventKind.TRANSFERRED if moved else PersonEventKind.UPDATED,
            actor=editor,
            from_region_id=before["region"] if moved else None,
            to_region_id=after["region"] if moved else None,
            changes=diff,
        )
        _changed({before["region"], after["region"]}, {u for u in (before["unit"], after["unit"]) if u})
    return locked


@transaction.atomic
def person_transfer(*, person: Person, editor, to_region: Region, note: str = "") -> Person:
    """Moves a person to another region (迁移), keeping the history. The editor must hold both ends;
    a county hands a person over to another through a user whose scope covers both (city staff)."""
    # The stored row, locked: the history records where the person really was, not a stale copy.
    current = Person.objects.editable_by(editor).select_for_update(of=("self",)).filter(pk=person.pk).values("region_id", "unit_id").first()
    if current is None:
        raise PermissionDenied
    if not Region.objects.editable_by(editor).filter(pk=to_region.pk).exists():
        raise ValidationError({"to_region": _("迁入地“%(region)s”不在您的管辖范围内") % {"region": to_region.full_name}})
    census_lock_check({current["region_id"], to_region.pk})
    if to_region.pk == current["region_id"]:
        raise ValidationError({"to_region": _("迁入地与现居住地相同")})
    from_region_id = current["region_id"]
    unit_id = current["unit_id"]
    Person.objects.filter(pk=person.pk).update(region=to_region, unit=None, updated_at=timezone.now())
    PersonEvent.objects.create(
        person=person, kind=PersonEventKind.TRANSFERRED, actor=editor, from_region_id=from_region_id,
        to_region=to_region, note=note, changes={"region": [from_region_id, to_region.pk], "unit": [unit_id, None]},
    )
    _changed({from_region_id, to_region.pk}, {unit_id} if unit_id else set())
    person.refresh_from_db()
    return person


def person_reveal(*, person: Person, viewer, request=None) -> dict[str, str]:
    """The full document number (and its type) and phone, for a user with the permission; written to the audit
    trail."""
    if not viewer.has_perm("census.reveal_id_number"):
        raise PermissionDenied(_("您没有查看完整证件号码的权限"))
    if not Person.objects.visible_to(viewer).filter(pk=person.pk).exists():
        raise PermissionDenied
    audit_event(
        event=AuditEvent.REVEAL, model=person, actor=viewer, request=request,
        description=_("查看完整证件号码：%(person)s") % {"person": person},
    )
    return {"id_type": person.id_type, "id_number": decrypt_text(person.id_number_encrypted), "phone": person.phone}


@transaction.atomic
def person_link_document(*, person: Person, editor, id_type: str, id_number: str) -> Person:
    """Links another identity document to a person (a returnee's old passport beside the new resident ID).

    A document nobody holds is added to the person. One that another registered person holds is that same
    person registered twice (by two documents), provided name and birth date agree: the other record is merged
    into this one (its documents become this person's, its history follows it, the headcounts count one
    person). Both must be in the editor's scope; nothing is decrypted or encrypted again."""
    locked = Person.objects.editable_by(editor).select_for_update(of=("self",)).filter(pk=person.pk).first()
    if locked is None:
        raise PermissionDenied
    census_lock_check({locked.region_id})
    try:
        number = validate_document(id_type, id_number)
    except IdentifierError as error:
        raise ValidationError({"id_number": str(error)}) from None
    digest, digests = document_hash(id_type, number), document_hashes(id_type, number)
    if locked.id_number_hash in digests or locked.documents.filter(number_hash__in=digests).exists():
        raise ValidationError({"id_number": _("此证件已是该人员的证件")})
    holder = person_find_by_document(id_type, number)
    label = f"{DocumentType(id_type).label} {mask_document(number)}"
    if holder is None:
        PersonDocument.objects.create(
            person=locked, id_type=id_type, number_encrypted=encrypt_text(number), number_hash=digest,
            number_masked=mask_document(number), linked_by=editor,
        )
        PersonEvent.objects.create(person=locked, kind=PersonEventKind.UPDATED, actor=editor, changes={"documents": ["", label]})
        return locked
    other = Person.objects.editable_by(editor).select_for_update(of=("self",)).filter(pk=holder.pk).first()
    if other is None:
        raise ValidationError(
            {"id_number": _("此证件号码已在%(county)s登记，请联系该县办理迁移") % {"county": county_of(holder.region).full_name}}
        )
    census_lock_check({other.region_id})
    if (other.name, other.birth_date) != (locked.name, locked.birth_date):
        raise ValidationError(
            {"id_number": _("此证件已登记为另一人（%(name)s，%(birth)s 出生），姓名或出生日期不同，不能关联")
             % {"name": other.name, "birth": other.birth_date.isoformat()}}
        )
    documents = [(other.id_type, other.id_number_encrypted, other.id_number_hash, other.id_number_masked)]
    documents += list(other.documents.values_list("id_type", "number_encrypted", "number_hash", "number_masked"))
    moved_events = PersonEvent.objects.filter(person=other).update(person=locked)
    region_ids, unit_ids = {other.region_id, locked.region_id}, {u for u in (other.unit_id, locked.unit_id) if u}
    other.delete()  # its own documents go with it, and are linked again below
    PersonDocument.objects.bulk_create(
        PersonDocument(person=locked, id_type=t, number_encrypted=e, number_hash=h, number_masked=m, linked_by=editor)
        for t, e, h, m in documents
    )
    PersonEvent.objects.create(
        person=locked, kind=PersonEventKind.UPDATED, actor=editor, note=_("合并重复登记（%(n)d 条记录随之并入）") % {"n": moved_events},
        changes={"documents": ["", "、".join(f"{DocumentType(t).label} {m}" for t, _e, _h, m in documents)]},
    )
    _changed(region_ids, unit_ids)
    return locked


@transaction.atomic
def person_unlink_document(*, document: PersonDocument, editor) -> None:
    """Removes a linked document from a person (linked by mistake); the person's own document stays."""
    if not PersonDocument.objects.editable_by(editor).filter(pk=document.pk).exists():
        raise PermissionDenied
    census_lock_check(Person.objects.filter(pk=document.person_id).values_list("region_id", flat=True))
    label = f"{document.get_id_type_display()} {document.number_masked}"
    PersonEvent.objects.create(person_id=document.person_id, kind=PersonEventKind.UPDATED, actor=editor, changes={"documents": [label, ""]})
    document.delete()


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def history_changes(before: dict, after: dict, fields) -> dict[str, list]:
    """before → after of the fields that changed, as stored in a person's history: dates as text,
    phones masked (the history is read by more people than may see a full number)."""
    changes = {}
    for key in fields:
        if before[key] == after[key]:
            continue
        old, new = _plain(before[key]), _plain(after[key])
        if key == "phone":
            old, new = mask_phone(old or ""), mask_phone(new or "")
        changes[key] = [old, new]
    return changes


def _clean_credit_code(credit_code: str) -> str:
    if not credit_code:
        return ""
    try:
        return validate_uscc(credit_code)
    except IdentifierError as error:
        raise ValidationError({"credit_code": str(error)}) from None


def _check_region(region: Region, editor) -> None:
    if not Region.objects.editable_by(editor).filter(pk=region.pk).exists():
        raise ValidationError({"region": _("“%(region)s”不在您的管辖范围内") % {"region": region.full_name}})


@transaction.atomic
def unit_create(*, editor, name: str, kind: str, region: Region, credit_code: str = "", is_two_new: bool | None = None) -> Unit:
    """Registers a unit in the editor's scope. 两新组织 defaults from the kind."""
    _check_region(region, editor)
    unit = Unit(
        name=name.strip(), kind=kind, region=region, credit_code=_clean_credit_code(credit_code),
        is_two_new=kind in TWO_NEW_KINDS if is_two_new is None else is_two_new,
    )
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, editor, **changes) -> Unit:
    """Changes a unit inside the editor's scope (moving it, too, only within the scope)."""
    if not Unit.objects.editable_by(editor).filter(pk=unit.pk).exists():
        raise PermissionDenied
    if "credit_code" in changes:
        changes["credit_code"] = _clean_credit_code(changes["credit_code"])
    if "region" in changes:
        _check_region(changes["region"], editor)
    old_region_id = unit.region_id
    for key, value in changes.items():
        setattr(unit, key, value)
    unit.full_clean()
    unit.save()
    if unit.region_id != old_region_id:
        organizations_follow_units({unit.pk: unit.region})
    # Its people now count toward another place, or its kind changed the rules: re-evaluate both ends.
    region_ids, unit_ids = frozenset({old_region_id, unit.region_id}), frozenset({unit.pk})
    transaction.on_commit(lambda: census_changed.send(sender=Unit, region_ids=region_ids, unit_ids=unit_ids))
    return unit


def organizations_follow_units(region_of_unit: dict[int, Region]) -> int:
    """An organization lies where its unit is: the organizations of units moved to another region move with them
    (inside the caller's transaction). Refused, naming the organization, when a superior organization would no
    longer lie above it, or a subordinate no longer below it. Returns how many moved."""
    moving = list(
        Organization.objects.filter(unit_id__in=list(region_of_unit)).select_related("superior__region")
        .only("pk", "name", "unit_id", "region_id", "superior__name", "superior__region")
    )
    moving = [o for o in moving if o.unit_id is not None and o.region_id != region_of_unit[o.unit_id].pk]
    if not moving:
        return 0
    target = {o.pk: region_of_unit[o.unit_id] for o in moving if o.unit_id is not None}
    for organization in moving:
        region = target[organization.pk]
        superior = organization.superior
        if superior is not None and superior.pk not in target and not encloses(superior.region, region):
            raise ValidationError({"region": _("侨联组织“%(name)s”的上级组织“%(superior)s”不在%(region)s之上，不能随单位迁到该区划：请先调整其上级组织")
                                   % {"name": organization.name, "superior": superior.name, "region": region.full_name}})
    for subordinate in Organization.objects.filter(superior_id__in=list(target)).exclude(pk__in=list(target)).select_related("region"):
        superior_id = subordinate.superior_id
        assert superior_id is not None  # filtered on it
        if not encloses(target[superior_id], subordinate.region):
            raise ValidationError({"region": _("侨联组织“%(name)s”有位于%(where)s的下级组织，不能随单位迁到%(region)s")
                                   % {"name": next(o.name for o in moving if o.pk == superior_id),
                                      "where": subordinate.region.full_name, "region": target[superior_id].full_name}})
    now = timezone.now()
    by_region: dict[int, list[int]] = {}
    for pk, region in target.items():
        by_region.setdefault(region.pk, []).append(pk)
    for region_id, pks in by_region.items():
        Organization.objects.filter(pk__in=pks).update(region_id=region_id, updated_at=now)
    return len(moving)


# How a merge treats what refers to the absorbed unit (every reverse relation of Unit, whatever app declares it):
# its verdict is dropped with it (coverage re-evaluates the survivor), its frozen headcounts are added to the
# survivor's, everything else (people, organizations, tasks …) is re-pointed to the survivor.
MERGE_DROPPED = frozenset({"requirement"})
MERGE_SUMMED = frozenset({"headcounts"})


def _add_headcounts(*, survivor: Unit, absorbed: Unit) -> None:
    """The absorbed unit's headcount rows (every campaign: closed ones are frozen snapshots) added to the
    survivor's; open campaigns are recounted afterwards anyway."""
    theirs = list(Headcount.objects.filter(unit=absorbed))
    if not theirs:
        return
    ours = {(h.campaign_id, h.category): h for h in Headcount.objects.filter(unit=survivor)}
    added, moved = [], []
    for row in theirs:
        mine = ours.get((row.campaign_id, row.category))
        if mine is not None:
            mine.count += row.count
            added.append(mine)
        else:
            row.unit_id, row.region_id = survivor.pk, survivor.region_id
            moved.append(row)
    Headcount.objects.bulk_update(added, ["count"])
    Headcount.objects.bulk_update(moved, ["unit", "region"])


@transaction.atomic
def _m2m_repoint(relation, absorbed: Unit, survivor: Unit) -> int:
    """Rows of a many-to-many table naming `absorbed` name `survivor` (dropped where it is named already)."""
    through = relation.through
    unit_field = next(f.name for f in through._meta.concrete_fields if f.is_relation and f.related_model is Unit)
    other_field = next(f.name for f in through._meta.concrete_fields if f.is_relation and f.related_model is not Unit)
    named = through.objects.filter(**{unit_field: survivor}).values(other_field)
    return through.objects.filter(**{unit_field: absorbed}).exclude(**{f"{other_field}__in": named}).update(**{unit_field: survivor})


def unit_merge(*, survivor: Unit, absorbed: Unit, editor, request=None) -> dict[str, int]:
    """合并单位: `absorbed` is the same unit as `survivor`, registered twice. Its people, organizations (which move
    to the survivor's region), tasks and whatever else refers to it move to the survivor; its frozen headcounts
    are added to the survivor's; it is deleted, and its verdict with it. The survivor keeps its name, kind and
    place, and its credit code, or takes the absorbed unit's when it has none. Both must lie in the editor's
    editable scope. Audited (who, both units, what moved); coverage re-evaluates the survivor after the commit.
    Returns how many rows moved, by relation ("persons", "organizations", "tasks" …)."""
    if survivor.pk == absorbed.pk:
        raise ValidationError({"absorbed": _("不能把单位合并到它自己")})
    locked = {
        u.pk: u
        for u in Unit.objects.editable_by(editor).select_for_update(of=("self",)).select_related("region")
        .filter(pk__in=[survivor.pk, absorbed.pk]).order_by("pk")
    }
    if survivor.pk not in locked:
        raise PermissionDenied
    if absorbed.pk not in locked:
        raise ValidationError({"absorbed": _("单位“%(unit)s”不存在或不在您的管辖范围内") % {"unit": absorbed.name}})
    survivor, absorbed = locked[survivor.pk], locked[absorbed.pk]
    now = timezone.now()
    if absorbed.region_id != survivor.region_id:
        organizations_follow_units({absorbed.pk: survivor.region})
    people = list(Person.objects.filter(unit=absorbed).values_list("pk", "region_id"))
    census_lock_check({region_id for _pk, region_id in people})  # their rows change: not while approved and locked
    person_ids = [pk for pk, _region_id in people]
    _add_headcounts(survivor=survivor, absorbed=absorbed)
    moved: dict[str, int] = {}
    for relation in Unit._meta.related_objects:
        name = relation.get_accessor_name() or relation.name
        if name in MERGE_DROPPED or name in MERGE_SUMMED:
            continue
        if relation.many_to_many:  # e.g. a milestone naming the unit: it names the survivor instead
            moved[name] = _m2m_repoint(relation, absorbed, survivor)
            continue
        model = relation.related_model
        changes: dict = {relation.field.name: survivor}
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            changes["updated_at"] = now
        moved[name] = model._base_manager.filter(**{relation.field.name: absorbed}).update(**changes)
    for chunk in chunks(person_ids, 5000):
        PersonEvent.objects.bulk_create(
            PersonEvent(person_id=pk, kind=PersonEventKind.UPDATED, actor=editor, changes={"unit": [absorbed.pk, survivor.pk]},
                        note=_("单位合并：“%(absorbed)s”并入“%(survivor)s”") % {"absorbed": absorbed.name, "survivor": survivor.name})
            for pk in chunk
        )
    absorbed_code = absorbed.credit_code
    absorbed_facts = {"id": absorbed.pk, "name": absorbed.name, "region": absorbed.region.code, "credit_code": absorbed_code}
    absorbed.delete()  # its verdict (one per unit) goes with it
    code_taken = not survivor.credit_code and bool(absorbed_code)
    if code_taken:
        survivor.credit_code = absorbed_code
        survivor.save(update_fields=["credit_code", "updated_at"])
    audit_event(
        event=AuditEvent.MERGE, model=survivor, actor=editor, request=request,
        description=_("合并单位：“%(absorbed)s”（%(absorbed_region)s）并入“%(survivor)s”（%(survivor_region)s），"
                      "人员 %(people)d 人、侨联组织 %(organizations)d 个随之迁移") % {
            "absorbed": absorbed_facts["name"], "absorbed_region": absorbed.region.full_name, "survivor": survivor.name,
            "survivor_region": survivor.region.full_name, "people": moved.get("persons", 0),
            "organizations": moved.get("organizations", 0),
        },
        data={
            "survivor": {"id": survivor.pk, "name": survivor.name, "region": survivor.region.code, "credit_code": survivor.credit_code},
            "absorbed": absorbed_facts, "moved": moved, "credit_code_taken": code_taken,
        },
    )
    _changed({survivor.region_id, absorbed.region_id}, {survivor.pk})
    return moved


@transaction.atomic
def campaign_create(*, editor, year: int, name: str, region: Region, deadline=None) -> Campaign:
    """Opens a census round over a region the editor administers (staff or administrators)."""
    scope = user_scope(editor)
    if not (scope.is_admin or "staff" in scope.roles):
        raise PermissionDenied(_("只有侨联工作人员可以发起侨情调查"))
    _check_region(region, editor)
    campaign = Campaign(year=year, name=name.strip(), region=region, deadline=deadline)
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def campaign_close(*, campaign: Campaign, editor) -> Campaign:
    """Closes a round: its headcounts become a frozen snapshot for trends."""
    if not Campaign.objects.editable_by(editor).filter(pk=campaign.pk).exists():
        raise PermissionDenied

    headcounts_rebuild(campaign=campaign)
    campaign.is_open = False
    campaign.save(update_fields=["is_open"])
    return campaign
