"""Phone numbers at rest (issue 21 §3), stored as document numbers are: an encrypted column, a keyed hash for
look-up and a masked form for display. No column holds the clear number.

`PhoneFieldsMixin` (an abstract model) gives a model the three columns `phone_encrypted`, `phone_hash` and
`phone_masked`, and `phone`, a property over them (`EncryptedPhone`): reading decrypts (once per stored value),
assigning encrypts, hashes the normalised number and masks it. So `obj.phone`, `obj.phone = …`, `Model(phone=…)`
and `objects.create(phone=…)` keep working; queries go by `phone_hash` (`phone_lookup_hashes`), never by `phone`.
Bulk writers (COPY, values_update) take the three values from `phone_columns`, or `phone_encoder()` in loops."""
from __future__ import annotations

import re
from collections.abc import Callable

from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.common.bulk import values_update
from orgs.common.crypto import decrypt_text, encrypt_text, encryptor, lookup_hash, lookup_hashes
from orgs.common.identifiers import mask_phone, normalize_phone, phone_spellings

PHONE_COLUMNS = ("phone_encrypted", "phone_hash", "phone_masked")
PHONE_MASKED_LENGTH = 24
_PHONE_SHAPE = re.compile(r"\+?[0-9]{5,20}")
_CLEAR = "_phone_clear"  # the instance's cache: (stored token, clear number)


def phone_columns(phone: str, *, encrypt: Callable[[str], str] = encrypt_text,
                  keyed_hash: Callable[[str], str] = lookup_hash) -> tuple[str, str, str]:
    """(encrypted, keyed hash, masked) of a phone number as stored; three empty strings for no number."""
    if not phone:
        return "", "", ""
    return encrypt(phone), keyed_hash(normalize_phone(phone)), mask_phone(phone)[:PHONE_MASKED_LENGTH]


def phone_fields(phone: str) -> dict[str, str]:
    """The three stored columns of `phone` by name, for a model's constructor (`Person(**phone_fields(…))`, which type
    checkers accept where they refuse the `phone=` property)."""
    return dict(zip(PHONE_COLUMNS, phone_columns(phone)))


def phone_encoder() -> Callable[[str], tuple[str, str, str]]:
    """`phone_columns` bound to the current keys once (crypto.encryptor), for loops over many rows. The numbers
    given must be validated already (identifiers.validate_phone, or the import's column check): they are hashed
    as they are, which is their normal form."""
    encrypt, keyed_hash = encryptor()

    def encode(phone: str) -> tuple[str, str, str]:
        if not phone:
            return "", "", ""
        return encrypt(phone), keyed_hash(phone), mask_phone(phone)[:PHONE_MASKED_LENGTH]

    return encode


def phone_column_encoders(encrypt: Callable[[str], str], keyed_hash: Callable[[str], str]) -> tuple[
    Callable[[str], str], Callable[[str], str], Callable[[str], str]
]:
    """Three callables, one per stored column (in the order of PHONE_COLUMNS), from crypto.encryptor()'s pair: for
    bulk writers that stream each column lazily (COPY). Validated numbers only (see phone_encoder); "" stays ""."""

    def encrypted(phone: str) -> str:
        return encrypt(phone) if phone else ""

    def hashed(phone: str) -> str:
        return keyed_hash(phone) if phone else ""

    def masked(phone: str) -> str:
        if len(phone) == 11:  # a mainland mobile, most rows: mask_phone's 3 + stars + 4, without its calls
            return phone[:3] + "****" + phone[7:]
        return mask_phone(phone)[:PHONE_MASKED_LENGTH] if phone else ""

    return encrypted, hashed, masked


def phone_lookup_hashes(text: str) -> list[str] | None:
    """The keyed hashes a search for `text` looks for when the text is a phone number (after normalize_phone:
    full-width digits, spaces, dashes and brackets are dropped): the current scheme's and every other valid one's, so
    that numbers stored before a change of key or cipher are found until `rotate_keys` has rewritten them
    (crypto.lookup_hashes); for a mainland mobile also those of its spellings with a country code, as such numbers were
    stored before they were normalized (identifiers.phone_spellings). None when the text is no phone number (a name …)."""
    normalized = normalize_phone(text)
    if not _PHONE_SHAPE.fullmatch(normalized):
        return None
    return [digest for spelling in phone_spellings(normalized) for digest in lookup_hashes(spelling)]


def with_phone_hashes(queryset, hashes: list[str]):
    """`queryset`'s rows whose phone has one of these keyed hashes (equality only: census.Person's phone index is a
    hash index on PostgreSQL, census 0024)."""
    return queryset.filter(phone_hash__in=[h for h in hashes if h])


MIGRATION_BATCH = 5000


def encrypt_clear_phones(model, *, batch: int = MIGRATION_BATCH) -> int:
    """For data migrations: fills the three columns from the clear `phone` column that the historical `model` still
    has, in keyset batches (pk order) of one read and one set-based update each; returns how many were encrypted."""
    encrypt, keyed_hash = encryptor()
    rows_of = model._default_manager.exclude(phone="").order_by("pk")
    last, done = 0, 0
    while rows := list(rows_of.filter(pk__gt=last).values_list("pk", "phone")[:batch]):
        values_update(model, PHONE_COLUMNS, [(pk, *phone_columns(phone, encrypt=encrypt, keyed_hash=keyed_hash)) for pk, phone in rows])
        last, done = rows[-1][0], done + len(rows)
    return done


def decrypt_stored_phones(model, *, batch: int = MIGRATION_BATCH) -> int:
    """The reverse of `encrypt_clear_phones`: the clear `phone` column (added back) from the encrypted one."""
    rows_of = model._default_manager.exclude(phone_encrypted="").order_by("pk")
    last, done = 0, 0
    while rows := list(rows_of.filter(pk__gt=last).values_list("pk", "phone_encrypted")[:batch]):
        values_update(model, ("phone",), [(pk, decrypt_text(token)) for pk, token in rows])
        last, done = rows[-1][0], done + len(rows)
    return done


class EncryptedPhone(property):
    """`phone` over the three stored columns. A property (subclass), so that Django's model constructor accepts
    `phone=` as a keyword argument."""

    def __init__(self) -> None:
        super().__init__(self._read, self._write, doc=None)

    @staticmethod
    def _read(instance) -> str:
        token = instance.phone_encrypted
        if not token:
            return ""
        cached = instance.__dict__.get(_CLEAR)
        if cached is not None and cached[0] == token:
            return cached[1]
        clear = decrypt_text(token)
        instance.__dict__[_CLEAR] = (token, clear)
        return clear

    @staticmethod
    def _write(instance, value) -> None:
        clear = "" if value is None else str(value)
        instance.phone_encrypted, instance.phone_hash, instance.phone_masked = phone_columns(clear)
        instance.__dict__[_CLEAR] = (instance.phone_encrypted, clear)


class PhoneFieldsMixin(models.Model):
    """The stored phone of a model: encrypted, keyed hash, masked (see the module). A model searched by phone
    indexes `phone_hash` in its own Meta."""

    phone_encrypted = models.TextField(_("联系电话（密文）"), blank=True, default="", editable=False)
    phone_hash = models.CharField(_("联系电话索引"), max_length=64, blank=True, default="", editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=PHONE_MASKED_LENGTH, blank=True, default="", editable=False)

    phone = EncryptedPhone()

    class Meta:
        abstract = True
