"""PBKDF2-HMAC-SM3 passwords (GB/T 32905-2016 SM3 as PBKDF2's PRF), for deployments assessed under GB/T 39786-2021.

Chosen first in PASSWORD_HASHERS when PASSWORD_HASHER=sm3 (or, with PASSWORD_HASHER unset, FIELD_CIPHER=sm4):
Django then re-hashes a password stored under another hasher at the user's next successful login. The iterations
are set so that a login costs what Django's PBKDF2-SHA256 costs (1,000,000 iterations, about 0.6 s here): SM3 in
OpenSSL is about 2.7 times slower than SHA-256, so 400,000 (about 0.66 s; OWASP asks 600,000 of SHA-256, which is
less work than this). Raising them later upgrades stored hashes at login the same way."""
from __future__ import annotations

import hashlib

from django.contrib.auth.hashers import PBKDF2PasswordHasher


def sm3():
    return hashlib.new("sm3")


class PBKDF2SM3PasswordHasher(PBKDF2PasswordHasher):
    """Stored as `pbkdf2_sm3$<iterations>$<salt>$<base64 hash>`."""

    algorithm = "pbkdf2_sm3"
    iterations = 400_000
    digest = staticmethod(sm3)
