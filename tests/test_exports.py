"""Spreadsheet safety: one escaper for every CSV and Excel export (orgs.common.exports.escape_cell)."""
from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orgs.common.exports import FORMULA_PREFIXES, escape_cell
from orgs.common.text import CONTROL_CHARACTERS_RE, strip_control_characters
from orgs.regions.models import Region
from orgs.regions.services import read_region_csv, regions_import
from tests.factories import RegionFactory
from tests.scope.orgs import region_export_form

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\x00")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+86 877", "'+86 877"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\x00=1", "'=1"),  # the control character goes (an Excel cell cannot hold it), the formula is escaped
        ("通\x01海\x1f县\x0b", "通海县"),
        ("a\tb\nc\rd", "a\tb\nc\rd"),
        ("通海县", "通海县"),
        ("", ""),
        ("a=1", "a=1"),
        ("'=1", "'=1"),
    ],
)
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


@pytest.mark.parametrize("value", [None, 0, -1, 12.5, True])
def test_non_text_passes_unchanged(value):
    assert escape_cell(value) is value


def test_every_formula_start_is_covered():
    assert set(FORMULA_STARTS) <= set(FORMULA_PREFIXES)


@given(st.text())
def test_escaped_text_never_starts_a_formula(value):
    escaped = escape_cell(value)
    assert not escaped.startswith(FORMULA_STARTS) or escaped.startswith("'")
    kept = strip_control_characters(value)
    assert escaped in (kept, "'" + kept)  # nothing is lost but control characters: an apostrophe at most
    assert not CONTROL_CHARACTERS_RE.search(escaped)


@given(st.sampled_from([s for s in FORMULA_STARTS if not CONTROL_CHARACTERS_RE.match(s)]), st.text().map(strip_control_characters))
def test_formula_text_is_always_prefixed(start, rest):
    assert escape_cell(start + rest) == "'" + start + rest


def _csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.django_db
def test_region_csv_export_escapes_formula_names(tonghai_client):
    RegionFactory(parent=Region.objects.get(code="530423"), name='=HYPERLINK("http://evil","点我")', code="530423197")
    response = tonghai_client.get("/regions/530423/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="regions-530423-' in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == ["code", "name", "level", "parent_code", "longitude", "latitude", "kind", "is_key_area"]
    names = {row[0]: row[1] for row in rows[1:]}
    assert names["530423197"] == '\'=HYPERLINK("http://evil","点我")'
    assert names["530423"] == "通海县"


@pytest.mark.django_db
def test_admin_export_escapes_formula_names(client_for, tonghai_staff):
    RegionFactory(parent=Region.objects.get(code="530423"), name="@SUM(1+1)", code="530423197")
    response = client_for(tonghai_staff).post("/admin/orgs/region/export/", region_export_form(None, None))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row[0]: row[1] for row in rows[1:]}["530423197"] == "'@SUM(1+1)"


@pytest.mark.django_db
def test_region_export_round_trips_through_the_import(leader_client):
    """The export is in the import format: importing it back changes nothing."""
    response = leader_client.get("/regions/530400/export.csv")
    rows, header = read_region_csv(response.content)
    assert len(rows) == 27
    result = regions_import(rows, header, dry_run=True)
    assert (result.created, result.updated, result.invalid) == (0, 0, 0)
    assert result.unchanged == 27


@pytest.mark.django_db
def test_export_outside_the_scope_is_404(tonghai_client):
    assert tonghai_client.get("/regions/530424/export.csv").status_code == 404
    assert tonghai_client.get("/regions/530400/export.csv").status_code == 404
