"""The keys and the cipher of the sensitive data at rest (field values: orgs.common.crypto; files: orgs.common.sealing).

Keys, the first one that is set:
- `FIELD_KEYS`: comma-separated keys; the first encrypts, every listed key decrypts;
- `FIELD_KEYS_FILE`: a file outside the database and the code, one key per line (blank lines and lines starting
  with "#" skipped), the first line encrypting; read again when the file changes;
- `RESIDENT_ID_KEY`: the variable of before, same form as `FIELD_KEYS`;
- none (the embedded default only): one key derived from `SECRET_KEY`, as before, so a demo needs no set-up.

A key is any string of at least 32 characters (a Fernet key, `python -c "import secrets; print(secrets.token_urlsafe(32))"`);
the cipher keys are derived from it, never the string itself. Each key has a key id: a keyed digest of it (16 hex),
carried by every value and file it encrypts, so that keys may be reordered and the one that encrypted something is
found without trying them all.

`FIELD_CIPHER` is "aes" (AES-256-GCM and HMAC-SHA256, the default) or "sm4" (SM4-GCM and HMAC-SM3, GB/T 32907 and
GB/T 32905, for deployments assessed under GB/T 39786-2021).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CIPHERS = ("aes", "sm4")


def field_cipher() -> str:
    cipher = (getattr(settings, "FIELD_CIPHER", "") or "aes").strip().lower()
    if cipher not in CIPHERS:
        raise ImproperlyConfigured(f"FIELD_CIPHER={cipher!r}: expected one of {', '.join(CIPHERS)}")
    return cipher


@lru_cache(maxsize=8)
def _keys_from_file(path: str, _changed: float) -> tuple[str, ...]:
    with open(path, encoding="utf-8") as handle:
        lines = [line.strip() for line in handle]
    return tuple(line for line in lines if line and not line.startswith("#"))


def _listed(value: str) -> list[str]:
    return [k.strip() for k in (value or "").split(",") if k.strip()]


def configured_secrets() -> list[bytes]:
    """The configured keys, the encrypting one first (see the module's docstring for where they come from)."""
    configured = _listed(getattr(settings, "FIELD_KEYS", ""))
    path = getattr(settings, "FIELD_KEYS_FILE", "")
    if not configured and path:
        try:
            configured = list(_keys_from_file(path, os.stat(path).st_mtime))
        except OSError as error:
            raise ImproperlyConfigured(f"FIELD_KEYS_FILE={path!r} cannot be read: {error.strerror}") from None
        if not configured:
            raise ImproperlyConfigured(f"FIELD_KEYS_FILE={path!r} holds no key")
    short = [k for k in configured if len(k) < 32]
    if short:
        raise ImproperlyConfigured(f"a field key has {len(short[0])} characters: at least 32 are needed")
    configured = configured or _listed(settings.RESIDENT_ID_KEY)  # the keys of before, as they were
    if configured:
        return [k.encode() for k in configured]
    digest = hashlib.sha256(("resident-id:" + settings.SECRET_KEY).encode()).digest()
    return [base64.urlsafe_b64encode(digest)]


@lru_cache(maxsize=32)
def key_id(secret: bytes) -> str:
    """The id of a key (16 hex): the same for values and files, and the one sealed files always carried."""
    return hmac.new(secret, b"qiaolian file key id", hashlib.sha256).hexdigest()[:16]


def sm3_hmac(key: bytes, message: bytes) -> bytes:
    """HMAC-SM3 (RFC 2104 with SM3, GB/T 32905-2016)."""
    return hmac.new(key, message, "sm3").digest()


def derive(secret: bytes, cipher: str, purpose: bytes) -> bytes:
    """A cipher key derived from a configured key: 32 bytes of HMAC-SHA256 for AES-256, 16 bytes of HMAC-SM3 for SM4."""
    if cipher == "sm4":
        return sm3_hmac(secret, purpose)[:16]
    return hmac.new(secret, purpose, hashlib.sha256).digest()
