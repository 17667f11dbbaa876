"""The English catalogue (locale/en): complete, compiled, and used.

Source strings are Chinese; English is the translation. The .mo is committed (running the app never needs
gettext), so these tests read both files with Python alone: the .po with a small parser, the .mo with the
standard library's `gettext`. `make messages` refreshes both.
"""
from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

# %(name)s / %(n)d / %% in python-format strings, {name} in python-brace-format ones.
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%%|\{[A-Za-z_][A-Za-z0-9_]*\}")
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")\s*$")


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file, which gettext's tools always separate by blank lines (the header and
    obsolete `#~` entries left out): each a dict with msgid, maybe msgctxt and msgid_plural, msgstr
    ({index: text}; index 0 for a singular entry) and flags."""
    entries: list[dict] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry: dict = {"flags": set(), "msgstr": {}}
        key = None
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif not line or line.startswith("#"):
                continue
            elif line.startswith('"'):
                assert key is not None, f"{path.name}: continuation line without a keyword: {raw!r}"
                text = ast.literal_eval(line)
                if isinstance(key, int):
                    entry["msgstr"][key] += text
                else:
                    entry[key] += text
            else:
                match = KEYWORD.match(line)
                assert match, f"{path.name}: cannot parse {raw!r}"
                keyword, quoted = match.groups()
                key = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0 if keyword == "msgstr" else keyword
                if isinstance(key, int):
                    entry["msgstr"][key] = ast.literal_eval(quoted)
                else:
                    entry[key] = ast.literal_eval(quoted)
        if entry.get("msgid"):  # not the header, not an obsolete or empty block
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[dict]:
    assert PO.is_file(), f"{PO} is missing: run `make messages`"
    entries = parse_po(PO)
    assert len(entries) > 100, "the .po file looks truncated"
    return entries


def test_every_entry_is_translated(po_entries):
    untranslated = [e["msgid"] for e in po_entries if not e["msgstr"] or not all(e["msgstr"].values())]
    assert not untranslated, f"{len(untranslated)} untranslated entries, e.g. {untranslated[:5]}"
    fuzzy = [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy entries (not compiled, so shown in Chinese): {fuzzy[:5]}"
    plurals = [e["msgid"] for e in po_entries if "msgid_plural" in e and set(e["msgstr"]) != {0, 1}]
    assert not plurals, f"English needs msgstr[0] and msgstr[1]: {plurals[:5]}"


def test_placeholders_are_kept(po_entries):
    wrong = []
    for e in po_entries:
        want = sorted(set(PLACEHOLDER.findall(e["msgid"])))
        for text in e["msgstr"].values():
            if sorted(set(PLACEHOLDER.findall(text))) != want:
                wrong.append((e["msgid"], text))
    assert not wrong, f"placeholders differ between msgid and msgstr: {wrong[:5]}"


def test_compiled_catalogue_matches_po(po_entries):
    """The .mo holds exactly the .po's translations: a .po edited without `compilemessages` fails here."""
    assert MO.is_file(), f"{MO} is missing: run `make messages`"
    with MO.open("rb") as handle:
        catalog = dict(gettext.GNUTranslations(handle)._catalog)
    catalog.pop("", None)  # the header
    expected: dict = {}
    for e in po_entries:
        msgid = e["msgid"] if "msgctxt" not in e else f"{e['msgctxt']}\x04{e['msgid']}"
        if "msgid_plural" in e:
            expected.update({(msgid, i): text for i, text in e["msgstr"].items()})
        else:
            expected[msgid] = e["msgstr"][0]
    stale = sorted(str(k) for k in expected.keys() | catalog.keys() if expected.get(k) != catalog.get(k))
    assert not stale, f"django.mo is out of date with django.po ({len(stale)} entries differ, e.g. {stale[:5]}): run `make messages`"


@pytest.mark.django_db
def test_login_page_in_english_with_the_language_cookie():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "User login" in html
    assert "Username" in html
    assert "Password" in html
    assert "Log in" in html
    assert "用户登录" not in html


@pytest.mark.django_db
def test_login_page_in_chinese_by_default():
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "用户登录" in html
    assert "User login" not in html
