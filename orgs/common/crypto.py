"""Encryption and keyed hashing of the sensitive fields at rest (document numbers, phone numbers).

Keys and cipher: orgs.common.fieldkeys (`FIELD_KEYS` / `FIELD_KEYS_FILE` / `RESIDENT_ID_KEY`, `FIELD_CIPHER`).

Tokens. A value is stored as `<cipher>gcm:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`:
- `sm4gcm:` SM4-GCM (GB/T 32907-2016 block cipher in GCM, 128-bit key derived with HMAC-SM3), when FIELD_CIPHER=sm4;
- `aesgcm:` AES-256-GCM (key derived with HMAC-SHA256) otherwise;
the key id (16 hex, orgs.common.fieldkeys.key_id) names the configured key; the prefix up to the second colon is the
additional authenticated data, so a token relabelled with another cipher or key does not open. 12-byte random
nonces, 16-byte tags. Tokens of before are still read: `aesgcm1:` (AES-256-GCM, no key id: every key is tried) and
unprefixed Fernet tokens.

Look-up hashes. A normalised value is found by HMAC(normalised) under a hash key derived from a configured key:
HMAC-SHA256 under `aes` (the derivation of before, so hashes written before stay valid), HMAC-SM3 under `sm4`.
A hash *scheme* is (algorithm, key). New values are hashed under the current scheme: the current cipher's
algorithm and the FIRST key, i.e. the scheme of the key and cipher that encrypt the value beside it. So the token
tells the scheme of its row's hash: a row whose token starts with `current_prefix()` has a current hash, and
`manage.py rotate_keys` re-encrypts and re-hashes a row in one UPDATE, selecting the rows to do by token prefix.

Transition (a new key put first, or FIELD_CIPHER changed): stored rows keep the hashes of their scheme until
rotate_keys has rewritten them. Look-ups therefore ask for every valid scheme's hash, `lookup_hashes(normalised)`
(the current one first, then both algorithms under every configured key: a hash written before under the last key
of a list, as the previous code did, is among them); the registry's checks before every insert (registering a
person, adding a document, an import's matching) use them, so a person registered before the switch is found,
and refused as a duplicate, before, during and after rotate_keys. The unique constraints on the hash columns go
on refusing duplicates of one scheme (every process of one configuration writes one scheme, so a concurrent
duplicate insert still fails there); a duplicate across schemes is refused by those look-ups. Retire a key only
after rotate_keys reported nothing left to do: its hashes and tokens are then no longer in the database.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from orgs.common.fieldkeys import configured_secrets, derive, field_cipher, key_id, sm3_hmac

NONCE, TAG = 12, 16
PREFIXES = {"aes": "aesgcm", "sm4": "sm4gcm"}
HASH_ALGORITHMS = {"aes": "sha256", "sm4": "sm3"}
GCM_PREFIX = "aesgcm1:"  # the tokens of before (no key id)


class CryptoError(ValueError):
    """Sealed data that cannot be opened: altered, truncated, or sealed under a key no longer configured."""


class TokenError(CryptoError, InvalidToken):
    """A stored value that cannot be decrypted (also a Fernet InvalidToken, as callers caught before)."""


def _secrets() -> list[bytes]:
    return configured_secrets()


def _contexts():
    """(encryption, decryption) context factories of `cryptography`'s OpenSSL binding, called directly: `Cipher(...)`
    validates the algorithm and mode in Python first, which costs SM4-GCM, whose context is built anew for every
    value (a GCM context cannot take a new nonce), half its time per value; the binding validates them again itself.
    Through `Cipher` when the binding is laid out otherwise (another version of `cryptography` than the pinned one)."""
    try:
        from cryptography.hazmat.bindings._rust import openssl as rust_openssl

        return rust_openssl.ciphers.create_encryption_ctx, rust_openssl.ciphers.create_decryption_ctx
    except (ImportError, AttributeError):  # pragma: no cover - a layout other than the pinned version's
        return (lambda algorithm, mode: Cipher(algorithm, mode).encryptor()), (lambda algorithm, mode: Cipher(algorithm, mode).decryptor())


_ENCRYPTION_CONTEXT, _DECRYPTION_CONTEXT = _contexts()


class Sm4Gcm:
    """SM4-GCM with the AESGCM interface (encrypt/decrypt(nonce, data, aad), tag appended). The SM4 key object is
    built once and reused; each message needs its own context (GCM mode carries the nonce)."""

    def __init__(self, key: bytes):
        self.algorithm = algorithms.SM4(key)

    def encrypt(self, nonce: bytes, data: bytes, aad: bytes | None) -> bytes:
        encryptor = _ENCRYPTION_CONTEXT(self.algorithm, modes.GCM(nonce))
        if aad:
            encryptor.authenticate_additional_data(aad)
        return encryptor.update(data) + encryptor.finalize() + encryptor.tag

    def decrypt(self, nonce: bytes, data: bytes, aad: bytes | None) -> bytes:
        if len(data) < TAG:
            raise InvalidTag
        decryptor = _DECRYPTION_CONTEXT(self.algorithm, modes.GCM(nonce, data[-TAG:]))
        if aad:
            decryptor.authenticate_additional_data(aad)
        return decryptor.update(data[:-TAG]) + decryptor.finalize()


Aead = AESGCM | Sm4Gcm  # encrypt/decrypt(nonce, data, aad), the tag appended


def aead(cipher: str, key: bytes) -> Aead:
    """The AEAD object of a cipher name ("aes": AES-256-GCM, "sm4": SM4-GCM) over a derived key."""
    return Sm4Gcm(key) if cipher == "sm4" else AESGCM(key)


def _hash_key(secret: bytes, algorithm: str) -> bytes:
    if algorithm == "sm3":
        return sm3_hmac(secret, b"qiaolian lookup hash hmac-sm3 v1")
    return hmac.new(secret, b"qiaolian resident id lookup", hashlib.sha256).digest()  # as before: old hashes stay valid


@dataclass(frozen=True)
class FieldKey:
    """One configured key as the field ciphers use it."""

    key_id: str
    secret: bytes

    @property
    def ciphers(self) -> dict[str, Aead]:
        return _ciphers_of(self.secret)

    def prefix(self, cipher: str) -> str:
        return f"{PREFIXES[cipher]}:{self.key_id}:"


@lru_cache(maxsize=16)
def _ciphers_of(secret: bytes) -> dict[str, Aead]:
    return {
        "aes": AESGCM(derive(secret, "aes", b"qiaolian field aes-256-gcm v2")),
        "sm4": Sm4Gcm(derive(secret, "sm4", b"qiaolian field sm4-gcm v2")),
    }


@lru_cache(maxsize=8)
def _keyring(secrets: tuple[bytes, ...]) -> tuple[FieldKey, ...]:
    return tuple(FieldKey(key_id(s), s) for s in secrets)


@lru_cache(maxsize=8)
def _by_id(secrets: tuple[bytes, ...]) -> dict[str, FieldKey]:
    return {k.key_id: k for k in reversed(_keyring(secrets))}


def current_prefix() -> str:
    """The prefix of every token written now (cipher and key): a stored token without it is to be rotated."""
    return _keyring(tuple(_secrets()))[0].prefix(field_cipher())


def _encrypt_with(cipher_object, prefix: str, plain: str) -> str:
    nonce = os.urandom(NONCE)
    aad = prefix.encode()
    return prefix + base64.urlsafe_b64encode(nonce + cipher_object.encrypt(nonce, plain.encode(), aad)).decode()


def encrypt_text(plain: str) -> str:
    cipher = field_cipher()
    key = _keyring(tuple(_secrets()))[0]
    return _encrypt_with(key.ciphers[cipher], key.prefix(cipher), plain)


@lru_cache(maxsize=4)
def _fernet(secrets: tuple[bytes, ...]) -> MultiFernet | None:
    fernets = []
    for secret in secrets:
        try:
            fernets.append(Fernet(secret))
        except (ValueError, binascii.Error):
            continue  # not a Fernet key: it never wrote Fernet tokens
    return MultiFernet(fernets) if fernets else None


@lru_cache(maxsize=4)
def _legacy_gcm(secrets: tuple[bytes, ...]) -> tuple[AESGCM, ...]:
    return tuple(AESGCM(hmac.new(s, b"qiaolian resident id aes-gcm v1", hashlib.sha256).digest()) for s in secrets)


def _b64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text)
    except (binascii.Error, ValueError):
        raise TokenError("not a token") from None


def decrypt_text(token: str) -> str:
    """The plain value of a token of any version; TokenError (a CryptoError and a Fernet InvalidToken) when it
    was altered or its key is no longer configured."""
    return _decrypt(tuple(_secrets()), token)


def decryptor() -> Callable[[str], str]:
    """decrypt_text bound to the keys configured now, for bulk loops (the keys are not looked up per value)."""
    secrets = tuple(_secrets())
    return lambda token: _decrypt(secrets, token)


def _decrypt(secrets: tuple[bytes, ...], token: str) -> str:
    name = token[:6]
    if token[6:7] == ":" and name in ("sm4gcm", "aesgcm"):
        prefix, body = token[:24], token[24:]
        key = _by_id(secrets).get(token[7:23])
        if key is None or token[23:24] != ":":
            raise TokenError("the key of this value is not configured")
        sealed = _b64(body)
        try:
            return key.ciphers["sm4" if name == "sm4gcm" else "aes"].decrypt(sealed[:NONCE], sealed[NONCE:], prefix.encode()).decode()
        except (InvalidTag, ValueError):
            raise TokenError("altered value") from None
    if token.startswith(GCM_PREFIX):
        sealed = _b64(token[len(GCM_PREFIX):])
        for legacy in _legacy_gcm(secrets):
            try:
                return legacy.decrypt(sealed[:NONCE], sealed[NONCE:], None).decode()
            except (InvalidTag, ValueError):
                continue
        raise TokenError("altered value, or its key is not configured")
    fernet = _fernet(secrets)
    if fernet is None:
        raise TokenError("not a token")
    try:
        return fernet.decrypt(token.encode()).decode()
    except InvalidToken:
        raise TokenError("altered value, or its key is not configured") from None


def is_current(token: str) -> bool:
    return token.startswith(current_prefix())


# ---------------------------------------------------------------- look-up hashes


def _hmac_states(key: bytes, algorithm: str):
    block = key.ljust(64, b"\0")  # SHA-256 and SM3 both have 64-byte blocks
    inner = hashlib.new(algorithm, bytes(b ^ 0x36 for b in block))
    outer = hashlib.new(algorithm, bytes(b ^ 0x5C for b in block))
    return inner, outer


@lru_cache(maxsize=32)
def _hasher(secret: bytes, algorithm: str) -> Callable[[str], str]:
    inner, outer = _hmac_states(_hash_key(secret, algorithm), algorithm)

    def keyed_hash(normalized: str) -> str:  # HMAC (RFC 2104) from precomputed pad states
        first = inner.copy()
        first.update(normalized.encode())
        second = outer.copy()
        second.update(first.digest())
        return second.hexdigest()

    return keyed_hash


@lru_cache(maxsize=8)
def _hashers(secrets: tuple[bytes, ...], cipher: str) -> tuple[Callable[[str], str], ...]:
    """Every valid scheme's hasher, the current one (this cipher's algorithm, the first key) first."""
    current = HASH_ALGORITHMS[cipher]
    other = next(a for a in HASH_ALGORITHMS.values() if a != current)
    schemes = [(s, current) for s in secrets] + [(s, other) for s in secrets]
    return tuple(_hasher(s, a) for s, a in dict.fromkeys(schemes))


def lookup_hash(normalized: str) -> str:
    """The keyed hash (64 hex) a normalised value is stored with now (the current scheme)."""
    return _hashers(tuple(_secrets()), field_cipher())[0](normalized)


def lookup_hashes(normalized: str) -> list[str]:
    """The hashes a stored normalised value may have: the current scheme's first, then every other valid scheme's
    (see the module's docstring). Look-ups ask for all of them (`hash__in=`)."""
    return [h(normalized) for h in _hashers(tuple(_secrets()), field_cipher())]


_HEX_HASH = re.compile(r"[0-9a-f]{64}")


def search_token(hashes: list[str]) -> str:
    """The look-up hashes of a searched value joined by dots: what stands for a phone or document number in a URL
    (a search form POSTs the number and is answered with a link holding only this), not reversible without the key."""
    return ".".join(hashes)


def search_token_hashes(token: str) -> list[str]:
    """The hashes of a `search_token`, anything that is no 64-hex hash dropped (a hand-edited link)."""
    return [h for h in token.split(".") if _HEX_HASH.fullmatch(h)]


def hashers() -> tuple[Callable[[str], str], ...]:
    """The keyed-hash callables of every valid scheme, the current one first (for bulk look-ups)."""
    return _hashers(tuple(_secrets()), field_cipher())


def encryptor():
    """(encrypt, hash) callables bound to the current key and cipher, for bulk loops."""
    secrets = tuple(_secrets())
    cipher = field_cipher()
    key = _keyring(secrets)[0]
    cipher_object, prefix = key.ciphers[cipher], key.prefix(cipher)
    aad = prefix.encode()
    encode, urandom = base64.urlsafe_b64encode, os.urandom

    def encrypt(plain: str) -> str:
        nonce = urandom(NONCE)
        return prefix + encode(nonce + cipher_object.encrypt(nonce, plain.encode(), aad)).decode()

    return encrypt, _hashers(secrets, cipher)[0]


# ---------------------------------------------------------------- sealed blobs (the server's working files)

_SEAL_MAGIC = b"QLS1"  # AES-256-GCM, no key id: every key is tried (written before)
_SEAL_MAGIC_2 = b"QLS2"  # | cipher (1 byte: a or s) | key id (16 ASCII) | nonce | ciphertext ‖ tag; header = AAD
_CIPHER_BYTES = {"aes": b"a", "sm4": b"s"}


@lru_cache(maxsize=16)
def _seal_ciphers(secret: bytes) -> dict[str, Aead]:
    return {
        "aes": AESGCM(hmac.new(secret, b"qiaolian sealed working file v1", hashlib.sha256).digest()),  # as QLS1
        "sm4": Sm4Gcm(derive(secret, "sm4", b"qiaolian sealed working file sm4-gcm v2")),
    }


def seal_bytes(data: bytes) -> bytes:
    """Encrypts and authenticates a blob (a working file of the server, not a stored value) under the first key and
    the configured cipher, no text encoding (large blobs stay one copy)."""
    cipher = field_cipher()
    key = _keyring(tuple(_secrets()))[0]
    header = _SEAL_MAGIC_2 + _CIPHER_BYTES[cipher] + key.key_id.encode()
    nonce = os.urandom(NONCE)
    return header + nonce + _seal_ciphers(key.secret)[cipher].encrypt(nonce, data, header)


def sealed_blob_is_current(token: bytes) -> bool:
    cipher = field_cipher()
    key = _keyring(tuple(_secrets()))[0]
    return token.startswith(_SEAL_MAGIC_2 + _CIPHER_BYTES[cipher] + key.key_id.encode())


def open_bytes(token: bytes) -> bytes:
    secrets = tuple(_secrets())
    if token.startswith(_SEAL_MAGIC_2) and len(token) >= 21 + NONCE + TAG:
        header, nonce, sealed = token[:21], token[21:21 + NONCE], token[21 + NONCE:]
        cipher = {b"a": "aes", b"s": "sm4"}.get(token[4:5])
        key = _by_id(secrets).get(token[5:21].decode("ascii", "replace"))
        if cipher is None or key is None:
            raise CryptoError("sealed under an unknown cipher or a key no longer configured")
        try:
            return _seal_ciphers(key.secret)[cipher].decrypt(nonce, sealed, header)
        except InvalidTag:
            raise CryptoError("sealed data cannot be opened") from None
    if not token.startswith(_SEAL_MAGIC) or len(token) < len(_SEAL_MAGIC) + NONCE + TAG:
        raise CryptoError("not a sealed blob")
    nonce, sealed = token[4:16], token[16:]
    for secret in secrets:
        try:
            return _seal_ciphers(secret)["aes"].decrypt(nonce, sealed, None)
        except InvalidTag:
            continue
    raise CryptoError("sealed data cannot be opened")
