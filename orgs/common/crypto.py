"""Encryption and keyed hashing of the sensitive fields at rest (resident ID and other document numbers).

The key comes from the environment (RESIDENT_ID_KEY, a Fernet key; several comma-separated keys
rotate: the first encrypts, all decrypt). The lookup hash is an HMAC-SHA256 under a key derived from
the LAST key of the list, so that rotation (a new key put first) leaves every stored hash valid; the
last key is retired only together with re-hashing. Equal IDs find each other without the ID being
stored in the clear.

Stored tokens are versioned. Current tokens are "aesgcm1:" + base64url(nonce ‖ AES-256-GCM ciphertext and
tag) under a key derived from a configured key (several times faster than Fernet, which matters for bulk
imports); tokens without a prefix are Fernet tokens written before, and are still read.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from orgs.common.sealing import configured_secrets


def _secrets() -> list[bytes]:
    # Embedded default only (no RESIDENT_ID_KEY): derived from SECRET_KEY so a demo needs no set-up.
    return configured_secrets()


@lru_cache(maxsize=4)
def _cipher(secrets: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(s) for s in secrets])


@lru_cache(maxsize=4)
def _hash_key(primary: bytes) -> bytes:
    return hmac.new(primary, b"qiaolian resident id lookup", hashlib.sha256).digest()


GCM_PREFIX = "aesgcm1:"


@lru_cache(maxsize=4)
def _gcm_keys(secrets: tuple[bytes, ...]) -> tuple[AESGCM, ...]:
    """One AES-256-GCM key per configured key (derived, so the Fernet key itself is never reused)."""
    return tuple(AESGCM(hmac.new(s, b"qiaolian resident id aes-gcm v1", hashlib.sha256).digest()) for s in secrets)


def _gcm_encrypt(key: AESGCM, plain: str) -> str:
    nonce = os.urandom(12)
    return GCM_PREFIX + base64.urlsafe_b64encode(nonce + key.encrypt(nonce, plain.encode(), None)).decode()


def encrypt_text(plain: str) -> str:
    return _gcm_encrypt(_gcm_keys(tuple(_secrets()))[0], plain)


def decrypt_text(token: str) -> str:
    secrets = tuple(_secrets())
    if token.startswith(GCM_PREFIX):
        sealed = base64.urlsafe_b64decode(token[len(GCM_PREFIX):])
        for key in _gcm_keys(secrets):
            try:
                return key.decrypt(sealed[:12], sealed[12:], None).decode()
            except InvalidTag:
                continue
        raise InvalidToken
    return _cipher(secrets).decrypt(token.encode()).decode()


def lookup_hash(normalized: str) -> str:
    """The keyed hash by which a normalised ID is found (64 hex characters)."""
    return hmac.new(_hash_key(_secrets()[-1]), normalized.encode(), hashlib.sha256).hexdigest()


def encryptor():
    """(encrypt, hash) callables bound to the current keys, for bulk loops."""
    secrets = tuple(_secrets())
    gcm = _gcm_keys(secrets)[0]
    inner, outer = _hmac_states(_hash_key(secrets[-1]))

    def keyed_hash(normalized: str) -> str:  # HMAC-SHA256 (RFC 2104) from precomputed pad states
        first = inner.copy()
        first.update(normalized.encode())
        second = outer.copy()
        second.update(first.digest())
        return second.hexdigest()

    return (lambda plain: _gcm_encrypt(gcm, plain)), keyed_hash


def _hmac_states(key: bytes):
    block = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    return inner, outer


class CryptoError(ValueError):
    """Sealed data that cannot be opened: altered, truncated, or sealed under a key no longer configured."""


_SEAL_MAGIC = b"QLS1"


@lru_cache(maxsize=4)
def _seal_keys(secrets: tuple[bytes, ...]) -> tuple[AESGCM, ...]:
    return tuple(AESGCM(hmac.new(s, b"qiaolian sealed working file v1", hashlib.sha256).digest()) for s in secrets)


def seal_bytes(data: bytes) -> bytes:
    """Encrypts and authenticates a blob (a working file of the server, not a stored value): AES-GCM
    under a key derived from the first configured key, no text encoding (large blobs stay one copy)."""
    nonce = os.urandom(12)
    return _SEAL_MAGIC + nonce + _seal_keys(tuple(_secrets()))[0].encrypt(nonce, data, None)


def open_bytes(token: bytes) -> bytes:
    if not token.startswith(_SEAL_MAGIC) or len(token) < len(_SEAL_MAGIC) + 28:
        raise CryptoError("not a sealed blob")
    nonce, sealed = token[4:16], token[16:]
    for key in _seal_keys(tuple(_secrets())):
        try:
            return key.decrypt(nonce, sealed, None)
        except InvalidTag:
            continue
    raise CryptoError("sealed data cannot be opened")
