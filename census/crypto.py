"""Encryption and keyed hashing of resident ID numbers.

The key comes from the environment (RESIDENT_ID_KEY, a Fernet key; several comma-separated keys
rotate: the first encrypts, all decrypt). The lookup hash is an HMAC-SHA256 under a key derived from
the LAST key of the list, so that rotation (a new key put first) leaves every stored hash valid; the
last key is retired only together with re-hashing. Equal IDs find each other without the ID being
stored in the clear.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _secrets() -> list[bytes]:
    configured = [k.strip() for k in settings.RESIDENT_ID_KEY.split(",") if k.strip()]
    if configured:
        return [k.encode() for k in configured]
    # Embedded default only: derived from SECRET_KEY so a demo needs no set-up.
    digest = hashlib.sha256(("resident-id:" + settings.SECRET_KEY).encode()).digest()
    return [base64.urlsafe_b64encode(digest)]


@lru_cache(maxsize=4)
def _cipher(secrets: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(s) for s in secrets])


@lru_cache(maxsize=4)
def _hash_key(primary: bytes) -> bytes:
    return hmac.new(primary, b"qiaolian resident id lookup", hashlib.sha256).digest()


def encrypt_text(plain: str) -> str:
    return _cipher(tuple(_secrets())).encrypt(plain.encode()).decode()


def decrypt_text(token: str) -> str:
    return _cipher(tuple(_secrets())).decrypt(token.encode()).decode()


def lookup_hash(normalized: str) -> str:
    """The keyed hash by which a normalised ID is found (64 hex characters)."""
    return hmac.new(_hash_key(_secrets()[-1]), normalized.encode(), hashlib.sha256).hexdigest()


def encryptor():
    """(encrypt, hash) callables bound to the current keys, for bulk loops."""
    secrets = tuple(_secrets())
    cipher, key = _cipher(secrets), _hash_key(secrets[-1])
    return (
        lambda plain: cipher.encrypt(plain.encode()).decode(),
        lambda normalized: hmac.new(key, normalized.encode(), hashlib.sha256).hexdigest(),
    )
