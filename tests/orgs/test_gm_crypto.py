"""Issue 21 §3: 国密 field encryption. SM4 and SM3 against the standards' published vectors, tokens of both ciphers
and every key version, tokens of before, altered tokens refused, sealed files and blobs in both ciphers, the keys'
sources, and the PBKDF2-HMAC-SM3 password hasher."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

import pytest
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from orgs.accounts.hashers import PBKDF2SM3PasswordHasher
from orgs.common import crypto, sealing
from orgs.common.fieldkeys import configured_secrets, key_id, sm3_hmac

OLD = base64.urlsafe_b64encode(b"o" * 32).decode()
NEW = base64.urlsafe_b64encode(b"n" * 32).decode()
NUMBER = "53042319800506123X"


# ---------------------------------------------------------------- the standards' vectors


def test_sm4_matches_gb_t_32907_2016_example():
    key = plain = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert encryptor.update(plain).hex() == "681edf34d206965e86b3e94f536e4246"
    decryptor = Cipher(algorithms.SM4(key), modes.ECB()).decryptor()
    assert decryptor.update(bytes.fromhex("681edf34d206965e86b3e94f536e4246")) == plain
    # the field cipher uses that same block cipher: SM4-GCM's first keystream block is SM4(key, J0 + 1)
    nonce = bytes(12)
    sealed = crypto.Sm4Gcm(key).encrypt(nonce, bytes(16), None)
    counter = nonce + (2).to_bytes(4, "big")
    assert sealed[:16] == Cipher(algorithms.SM4(key), modes.ECB()).encryptor().update(counter)


def test_sm4_gcm_matches_rfc_8998_example():
    """RFC 8998 (ShangMi cipher suites for TLS 1.3), appendix A.1: SM4-GCM through the OpenSSL binding called directly
    (crypto._contexts), as through `Cipher`, and a changed tag, ciphertext or AAD refused."""
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce, aad = bytes.fromhex("00001234567800000000ABCD"), bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plain = bytes.fromhex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFF"
                          "EEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA")
    expected = bytes.fromhex(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735D82710CA5C22F0CCFA7CBF93D496AC15"
        "A56834CBCF98C397B4024A2691233B8D" "83DE3541E4C2B58177E065A9BF7B62EC"
    )
    sm4 = crypto.Sm4Gcm(key)
    assert sm4.encrypt(nonce, plain, aad) == expected
    through_cipher = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    through_cipher.authenticate_additional_data(aad)
    assert through_cipher.update(plain) + through_cipher.finalize() + through_cipher.tag == expected
    assert sm4.decrypt(nonce, expected, aad) == plain
    for tampered, extra in ((expected[:-1] + bytes([expected[-1] ^ 1]), aad), (bytes([expected[0] ^ 1]) + expected[1:], aad),
                            (expected, aad + b"x")):
        with pytest.raises(crypto.InvalidTag):
            sm4.decrypt(nonce, tampered, extra)


def test_sm3_matches_gb_t_32905_2016_examples():
    assert hashlib.new("sm3", b"abc").hexdigest() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert hashlib.new("sm3", b"abcd" * 16).hexdigest() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_hmac_sm3_is_rfc_2104_with_sm3_everywhere(settings):
    key, message = b"k" * 20, b"qiaolian"
    block = key.ljust(64, b"\0")
    inner = hashlib.new("sm3", bytes(b ^ 0x36 for b in block) + message).digest()
    by_hand = hashlib.new("sm3", bytes(b ^ 0x5C for b in block) + inner).digest()
    other = crypto_hmac.HMAC(key, hashes.SM3())
    other.update(message)
    assert sm3_hmac(key, message) == by_hand == other.finalize()
    # the look-up hash under sm4 is an HMAC-SM3 (from precomputed pads) of the normalised value
    settings.FIELD_KEYS, settings.FIELD_CIPHER = OLD, "sm4"
    hash_key = sm3_hmac(OLD.encode(), b"qiaolian lookup hash hmac-sm3 v1")
    assert crypto.lookup_hash(NUMBER) == hmac.new(hash_key, NUMBER.encode(), "sm3").hexdigest()
    assert crypto.encryptor()[1](NUMBER) == crypto.lookup_hash(NUMBER)
    settings.FIELD_CIPHER = "aes"
    assert crypto.lookup_hash(NUMBER) != hmac.new(hash_key, NUMBER.encode(), "sm3").hexdigest()


# ---------------------------------------------------------------- tokens


@pytest.mark.parametrize("cipher", ["aes", "sm4"])
def test_tokens_carry_cipher_and_key_and_open_under_every_configuration(settings, cipher):
    settings.FIELD_KEYS, settings.FIELD_CIPHER = OLD, cipher
    token = crypto.encrypt_text(NUMBER)
    bulk = crypto.encryptor()[0](NUMBER)
    prefix = f"{cipher}gcm:{key_id(OLD.encode())}:"
    assert token.startswith(prefix) and bulk.startswith(prefix) and crypto.current_prefix() == prefix
    assert NUMBER not in token and token != crypto.encrypt_text(NUMBER)  # a fresh nonce each time
    for keys in (OLD, f"{NEW},{OLD}", f"{OLD},{NEW}"):
        for reading_cipher in ("aes", "sm4"):
            settings.FIELD_KEYS, settings.FIELD_CIPHER = keys, reading_cipher
            assert crypto.decrypt_text(token) == crypto.decrypt_text(bulk) == NUMBER
    settings.FIELD_KEYS, settings.FIELD_CIPHER = f"{NEW},{OLD}", cipher
    assert not crypto.is_current(token) and crypto.encrypt_text(NUMBER).startswith(f"{cipher}gcm:{key_id(NEW.encode())}:")
    settings.FIELD_KEYS = NEW  # the old key retired: refused, never garbage
    with pytest.raises(crypto.TokenError):
        crypto.decrypt_text(token)


def test_tokens_of_before_still_open(settings):
    settings.FIELD_KEYS, settings.RESIDENT_ID_KEY = "", OLD
    fernet = Fernet(OLD.encode()).encrypt(NUMBER.encode()).decode()
    legacy_key = AESGCM(hmac.new(OLD.encode(), b"qiaolian resident id aes-gcm v1", hashlib.sha256).digest())
    nonce = os.urandom(12)
    aesgcm1 = "aesgcm1:" + base64.urlsafe_b64encode(nonce + legacy_key.encrypt(nonce, NUMBER.encode(), None)).decode()
    legacy_hash = hmac.new(hmac.new(OLD.encode(), b"qiaolian resident id lookup", hashlib.sha256).digest(), NUMBER.encode(), hashlib.sha256).hexdigest()
    for keys, cipher in ((OLD, "aes"), (f"{NEW},{OLD}", "sm4")):
        settings.FIELD_KEYS, settings.FIELD_CIPHER = keys, cipher
        assert crypto.decrypt_text(fernet) == crypto.decrypt_text(aesgcm1) == NUMBER
        assert legacy_hash in crypto.lookup_hashes(NUMBER)  # the hashes stored before are still found
    settings.FIELD_KEYS, settings.FIELD_CIPHER = OLD, "aes"
    assert crypto.lookup_hash(NUMBER) == legacy_hash  # unchanged configuration, unchanged hashes


@pytest.mark.parametrize("cipher", ["aes", "sm4"])
def test_altered_or_relabelled_tokens_are_refused(settings, cipher):
    settings.FIELD_KEYS, settings.FIELD_CIPHER = f"{NEW},{OLD}", cipher
    token = crypto.encrypt_text(NUMBER)
    body = bytearray(base64.urlsafe_b64decode(token[24:]))
    body[-1] ^= 1
    altered = token[:24] + base64.urlsafe_b64encode(bytes(body)).decode()
    other_cipher = ("aesgcm" if cipher == "sm4" else "sm4gcm") + token[6:]
    other_key = token[:7] + key_id(OLD.encode()) + token[23:]
    for bad in (altered, other_cipher, other_key, token[:30], token[:24] + "!!!!", "aesgcm:zz:xx", "garbage"):
        with pytest.raises(crypto.TokenError):
            crypto.decrypt_text(bad)
        with pytest.raises(InvalidToken):  # as callers caught it before
            crypto.decrypt_text(bad)


def test_keys_come_from_field_keys_a_key_file_or_resident_id_key(settings, tmp_path):
    settings.FIELD_KEYS = settings.FIELD_KEYS_FILE = settings.RESIDENT_ID_KEY = ""
    default = configured_secrets()
    assert len(default) == 1  # derived from SECRET_KEY: `make run` needs nothing
    settings.RESIDENT_ID_KEY = OLD
    assert configured_secrets() == [OLD.encode()]
    key_file = tmp_path / "field.keys"
    key_file.write_text(f"# the first line encrypts\n{NEW}\n\n{OLD}\n")
    settings.FIELD_KEYS_FILE = str(key_file)
    assert configured_secrets() == [NEW.encode(), OLD.encode()]
    settings.FIELD_KEYS = f" {OLD} , {NEW} "
    assert configured_secrets() == [OLD.encode(), NEW.encode()]  # FIELD_KEYS first
    settings.FIELD_KEYS = "short"
    with pytest.raises(ImproperlyConfigured, match="at least 32"):
        configured_secrets()
    settings.FIELD_KEYS, settings.FIELD_KEYS_FILE = "", str(tmp_path / "missing")
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        configured_secrets()
    settings.FIELD_KEYS_FILE, settings.FIELD_CIPHER = "", "des"
    with pytest.raises(ImproperlyConfigured, match="FIELD_CIPHER"):
        crypto.encrypt_text("x")


# ---------------------------------------------------------------- sealed files and blobs


@pytest.mark.parametrize("cipher", ["aes", "sm4"])
def test_sealed_files_and_blobs_in_both_ciphers(settings, cipher):
    data = ("530423198005061234," * 5000).encode()
    settings.FIELD_KEYS, settings.FIELD_CIPHER = OLD, cipher
    sealed, blob = sealing.seal(data), crypto.seal_bytes(data)
    name = {"aes": b"AES-256-GCM", "sm4": b"SM4-GCM"}[cipher]
    assert sealed.startswith(sealing.MAGIC) and name in sealed[:40] and key_id(OLD.encode()).encode() in sealed[:60]
    assert sealed.startswith(sealing.current_header()) and crypto.sealed_blob_is_current(blob)
    assert b"530423" not in sealed and b"530423" not in blob
    for keys, reading in ((OLD, "aes"), (f"{NEW},{OLD}", "sm4"), (f"{NEW},{OLD}", "aes")):
        settings.FIELD_KEYS, settings.FIELD_CIPHER = keys, reading
        assert sealing.unseal(sealed) == crypto.open_bytes(blob) == data
    assert not sealed.startswith(sealing.current_header()) and not crypto.sealed_blob_is_current(blob)
    for bad in (sealed[:-1] + bytes([sealed[-1] ^ 1]), sealed.replace(name, b"X" * len(name), 1)):
        with pytest.raises(sealing.SealError):
            sealing.unseal(bad)
    with pytest.raises(crypto.CryptoError):
        crypto.open_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))
    settings.FIELD_KEYS = NEW
    with pytest.raises(sealing.SealError, match="not configured"):
        sealing.unseal(sealed)


def test_blobs_sealed_before_still_open(settings):
    settings.FIELD_KEYS, settings.FIELD_CIPHER = f"{NEW},{OLD}", "sm4"
    key = AESGCM(hmac.new(OLD.encode(), b"qiaolian sealed working file v1", hashlib.sha256).digest())
    nonce = os.urandom(12)
    assert crypto.open_bytes(b"QLS1" + nonce + key.encrypt(nonce, b"rows", None)) == b"rows"


# ---------------------------------------------------------------- passwords


def test_pbkdf2_sm3_hasher_upgrades_pbkdf2_sha256_at_login(db, settings):
    settings.PASSWORD_HASHERS = [
        "orgs.accounts.hashers.PBKDF2SM3PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = get_user_model().objects.create(username="sm3user")
    user.password = make_password("correct horse 9", hasher="pbkdf2_sha256")
    user.save()
    assert user.password.startswith("pbkdf2_sha256$")
    assert authenticate(RequestFactory().post("/accounts/login/"), username="sm3user", password="wrong password") is None
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")  # a refused login changes nothing
    assert authenticate(RequestFactory().post("/accounts/login/"), username="sm3user", password="correct horse 9") is not None
    user.refresh_from_db()
    algorithm, iterations, salt, digest = user.password.split("$")
    assert algorithm == "pbkdf2_sm3" and int(iterations) == PBKDF2SM3PasswordHasher.iterations >= 300_000
    expected = base64.b64encode(hashlib.pbkdf2_hmac("sm3", b"correct horse 9", salt.encode(), int(iterations))).decode()
    assert digest == expected  # the PRF is HMAC-SM3
    assert authenticate(RequestFactory().post("/accounts/login/"), username="sm3user", password="correct horse 9") is not None
    assert authenticate(RequestFactory().post("/accounts/login/"), username="sm3user", password="correct horse 8") is None
