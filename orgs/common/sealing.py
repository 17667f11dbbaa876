"""Files encrypted at rest: every file kept under MEDIA_ROOT (census uploads and their error reports, unit lists,
founding-step, establishment and activity documents, task evidence and attachments, reports) is sealed by
`SealedFileSystemStorage`, the default storage (settings.STORAGES). They hold resident ID numbers.

A sealed file is a self-describing blob (cipher and key named, so that both ciphers are always read and
`manage.py rotate_keys` finds what to re-seal):

    b"QLENC" | format (1 byte, 1) | len(cipher) (1) | cipher name, ASCII ("AES-256-GCM", or "SM4-GCM" when
             FIELD_CIPHER=sm4)
             | len(key id) (1) | key id, ASCII (16 hex: which configured key sealed it) | nonce (12) | ciphertext ‖ tag

The header is the additional authenticated data: a changed cipher name or key id does not open. The keys are the
ones of the field values (orgs.common.fieldkeys: FIELD_KEYS, FIELD_KEYS_FILE or RESIDENT_ID_KEY; the first seals,
all open); the file key is derived from each (HMAC-SHA256 for AES-256, HMAC-SM3 for SM4's 128 bits), and its id is
a keyed digest of it (not its position in the list, so keys may be reordered).

Files written before this (in the clear) are still read: no header, no decryption (`manage.py encrypt_files` seals
them in place). Readers that need a path (calamine, openpyxl) get a private decrypted working copy, deleted after
use (`plain_path`).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage

from orgs.common.crypto import Sm4Gcm
from orgs.common.fieldkeys import configured_secrets, derive, field_cipher, key_id

MAGIC = b"QLENC"
FORMAT = 1
AES_GCM = "AES-256-GCM"
SM4_GCM = "SM4-GCM"
CIPHER_NAMES = {"aes": AES_GCM, "sm4": SM4_GCM}
NONCE_BYTES, TAG_BYTES = 12, 16
HEADER_MAX = len(MAGIC) + 1 + 1 + 255 + 1 + 255 + NONCE_BYTES


class SealError(ValueError):
    """A sealed file that cannot be opened: altered, truncated, an unknown cipher, or a key no longer configured."""


__all__ = ["configured_secrets"]  # re-exported: the keys' list of before lived here


@lru_cache(maxsize=8)
def _file_keys(secrets: tuple[bytes, ...]) -> tuple[tuple[str, dict], ...]:
    """(key id, {cipher name: AEAD key}) per configured key, the sealing one first."""
    keys = []
    for secret in secrets:
        keys.append((key_id(secret), {
            AES_GCM: AESGCM(hmac.new(secret, b"qiaolian file at rest aes-256-gcm v1", hashlib.sha256).digest()),
            SM4_GCM: Sm4Gcm(derive(secret, "sm4", b"qiaolian file at rest sm4-gcm v1")),
        }))
    return tuple(keys)


def _header(cipher: str, key_id: str) -> bytes:
    return MAGIC + bytes([FORMAT, len(cipher)]) + cipher.encode() + bytes([len(key_id)]) + key_id.encode()


def is_sealed(head: bytes) -> bool:
    return head.startswith(MAGIC)


def current_header() -> bytes:
    """The header every file sealed now starts with (cipher and key): a sealed file without it is to be re-sealed."""
    return _header(CIPHER_NAMES[field_cipher()], _file_keys(tuple(configured_secrets()))[0][0])


def seal(data: bytes) -> bytes:
    cipher = CIPHER_NAMES[field_cipher()]
    sealing_id, keys = _file_keys(tuple(configured_secrets()))[0]
    header = _header(cipher, sealing_id)
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + keys[cipher].encrypt(nonce, data, header)


def _parse(blob: bytes) -> tuple[str, str, int]:
    """(cipher, key id, offset of the nonce) of a sealed blob."""
    try:
        if blob[len(MAGIC)] != FORMAT:
            raise SealError(f"unknown sealed-file format {blob[len(MAGIC)]}")
        at = len(MAGIC) + 1
        cipher = blob[at + 1:at + 1 + blob[at]].decode("ascii")
        at += 1 + blob[at]
        key_id = blob[at + 1:at + 1 + blob[at]].decode("ascii")
        at += 1 + blob[at]
    except (IndexError, UnicodeDecodeError):
        raise SealError("truncated sealed-file header") from None
    return cipher, key_id, at


def unseal(blob: bytes) -> bytes:
    """The plain bytes of a sealed blob; a blob without the header is returned as it is (written in the clear)."""
    if not is_sealed(blob):
        return blob
    cipher, sealing_id, at = _parse(blob)
    if cipher not in (AES_GCM, SM4_GCM):
        raise SealError(f"unknown cipher {cipher!r}")
    keys = dict(_file_keys(tuple(configured_secrets()))).get(sealing_id)
    if keys is None:
        raise SealError(f"the key {sealing_id} that sealed this file is not configured")
    key = keys[cipher]
    nonce, sealed = blob[at:at + NONCE_BYTES], blob[at + NONCE_BYTES:]
    try:
        return key.decrypt(nonce, sealed, blob[:at])
    except InvalidTag:
        raise SealError("sealed file altered or truncated") from None


def sealed_overhead(head: bytes) -> int:
    """Bytes a sealed file has more than its content (header, nonce, tag); 0 for a file in the clear."""
    if not is_sealed(head):
        return 0
    return _parse(head)[2] + NONCE_BYTES + TAG_BYTES


def seal_file_in_place(path: Path, *, reseal: bool = False) -> bool:
    """Seals a file written in the clear, atomically (a sealed copy beside it, then renamed over it). False when it
    was sealed already: running again changes nothing. With `reseal`, a file sealed under another cipher or key is
    sealed again under the current ones (False when it is current)."""
    data = path.read_bytes()
    if is_sealed(data):
        if not reseal or data.startswith(current_header()):
            return False
        data = unseal(data)
    temporary = path.with_name(f".{path.name}.sealing")
    temporary.write_bytes(seal(data))
    os.chmod(temporary, path.stat().st_mode & 0o777)
    os.replace(temporary, path)
    return True


class SealedFileSystemStorage(FileSystemStorage):
    """FileSystemStorage that seals what it saves and opens what it reads (files in the clear are read as they are).
    Sizes are those of the content, not of the sealed file."""

    def _save(self, name, content):
        if hasattr(content, "seek"):
            content.seek(0)
        data = b"".join(content.chunks())
        return super()._save(name, ContentFile(seal(data)))

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("sealed files are written through save(), not opened for writing")
        with open(self.path(name), "rb") as handle:
            blob = handle.read()
        return File(BytesIO(unseal(blob)), name)  # stored files are read as bytes

    def size(self, name):
        with open(self.path(name), "rb") as handle:
            head = handle.read(HEADER_MAX)
        return super().size(name) - sealed_overhead(head)


def _work_dir() -> str | None:
    """Where decrypted working copies go: memory (/dev/shm) where there is one, else the system's temporary folder."""
    configured = getattr(settings, "FILE_WORK_DIR", "")
    if configured:
        return configured
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


@contextmanager
def plain_path(path: Path | str) -> Iterator[Path]:
    """A path to read a stored file's content from: the file itself when it is in the clear, else a decrypted copy
    (mode 0600, same suffix) that is deleted when the block ends."""
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(len(MAGIC))
    if not is_sealed(head):
        yield path
        return
    data = unseal(path.read_bytes())
    handle_fd, name = tempfile.mkstemp(prefix="qiaolian-", suffix=path.suffix, dir=_work_dir())
    try:
        with os.fdopen(handle_fd, "wb") as out:
            out.write(data)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
