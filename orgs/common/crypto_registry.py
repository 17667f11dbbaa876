"""The encrypted columns of the project, for `manage.py rotate_keys` (and anything else that must visit them all).

Each app registers its columns once, from its AppConfig.ready():

    register_encrypted_field(Person, "id_number_encrypted", hash_field="id_number_hash",
                             normalize=lambda plain, id_type: document_key(id_type, plain), needs=("id_type",))
    register_encrypted_field(Volunteer, "phone_encrypted", hash_field="phone_hash")

`cipher_field` holds orgs.common.crypto tokens (blank: no value); `hash_field` (or None) the look-up hash of
`normalize(plain, **needs)` (default: the plain value itself), where `needs` names the other columns the
normalisation reads. Registering the same column again replaces the entry (idempotent).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db import models

ALL_CURRENT_SECONDS = 24 * 3600


def _as_is(plain: str, **_needs) -> str:
    return plain


@dataclass(frozen=True)
class EncryptedField:
    model: type[models.Model]
    cipher_field: str
    hash_field: str | None = None
    normalize: Callable[..., str] = _as_is
    needs: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.cipher_field}"


_REGISTRY: dict[tuple[str, str], EncryptedField] = {}


def register_encrypted_field(
    model: type[models.Model],
    cipher_field: str,
    *,
    hash_field: str | None = None,
    normalize: Callable[..., str] | None = None,
    needs: Sequence[str] = (),
) -> EncryptedField:
    names = {f.name for f in model._meta.concrete_fields}
    for name in (cipher_field, hash_field, *needs):
        if name is not None and name not in names:
            raise ValueError(f"{model._meta.label} has no column {name!r}")
    entry = EncryptedField(model, cipher_field, hash_field, normalize or _as_is, tuple(needs))
    _REGISTRY[(model._meta.label, cipher_field)] = entry
    return entry


def encrypted_fields() -> list[EncryptedField]:
    """Every registered column, in the order of registration."""
    return list(_REGISTRY.values())


def _all_current_key(prefix: str) -> str:
    return f"encrypted-fields-current:{prefix}"


def remember_all_current(prefix: str) -> None:
    """Notes (in the shared cache, for a day) that no stored value is of an earlier key or cipher than `prefix`:
    set by `rotate_keys` when it leaves nothing to do, and by a check that found nothing."""
    cache.set(_all_current_key(prefix), True, ALL_CURRENT_SECONDS)


def known_all_current(prefix: str) -> bool:
    return bool(cache.get(_all_current_key(prefix)))
