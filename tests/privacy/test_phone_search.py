"""Issue 21 §3: a search by a full phone number on the person list puts the number in no URL (so in no browser
history, Referer or access log): the filter form POSTs it and the list's link holds only the number's keyed hashes;
a number typed into a link is answered with the hashed link at once. gunicorn's access log (qiaolian.gunicorn_conf)
names no query string, so an API client's `?q=<number>` is not written there either."""
from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from orgs.common.crypto import lookup_hashes
from tests.census.factories import register_person
from tests.production.stack import free_port

pytestmark = pytest.mark.django_db

LIST = "/census/persons/"
SEARCH = "/census/persons/search/"
PHONE = "13955556666"


def urls(html: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', html)


def test_the_form_posts_and_the_number_is_in_no_url_link_or_box(tonghai_official, client_for):
    found = register_person(tonghai_official, seed=2151, name="电话查找人", phone=PHONE)
    register_person(tonghai_official, seed=2152, name="同县别人", phone="13600001111")
    client = client_for(tonghai_official)

    page = client.get(LIST).content.decode()
    assert re.search(rf'<form method="post" action="{SEARCH}"', page)
    assert 'name="csrfmiddlewaretoken"' in page

    response = client.post(SEARCH, {"q": "139 5555 6666", "category": [found.category], "region": "", "page": "3"})
    assert response.status_code == 302
    location = response["Location"]
    assert PHONE not in location and "5555" not in location
    assert f"phone_hash={lookup_hashes(PHONE)[0]}" in location
    assert f"category={found.category}" in location and "page=" not in location and "region=" not in location

    result = client.get(location)
    html = result.content.decode()
    assert result.status_code == 200
    assert "电话查找人" in html and "同县别人" not in html
    assert 'data-testid="phone-searched"' in html
    assert PHONE not in html and "139 5555 6666" not in html  # not in the search box either
    assert not [url for url in urls(html) if "5555" in url]
    # the export link carries the search: the same person, by the hash
    export = next(url for url in urls(html) if url.startswith("/census/persons/export.csv"))
    assert "phone_hash=" in export
    exported = client.get(export.replace("&amp;", "&")).content.decode("utf-8-sig")
    assert "电话查找人" in exported and "同县别人" not in exported


def test_changing_a_filter_keeps_the_number_searched_and_a_name_replaces_it(tonghai_official, client_for):
    register_person(tonghai_official, seed=2153, name="保留电话人", phone=PHONE)
    client = client_for(tonghai_official)
    hashed = client.post(SEARCH, {"q": PHONE})["Location"]
    token = re.search(r"phone_hash=([0-9a-f.]+)", hashed).group(1)

    # the form of the result page sends the hidden phone_hash back with an empty box
    kept = client.post(SEARCH, {"q": "", "phone_hash": token, "is_needy": ""})["Location"]
    assert f"phone_hash={token}" in kept
    assert "保留电话人" in client.get(kept).content.decode()

    by_name = client.post(SEARCH, {"q": "保留", "phone_hash": token})["Location"]
    assert "phone_hash" not in by_name and "q=" in by_name
    assert "保留电话人" in client.get(by_name).content.decode()

    cleared = client.get(kept).content.decode()
    cancel = re.search(r'data-testid="phone-searched">.*?<a href="([^"]*)"', cleared, re.S).group(1)
    assert "phone_hash" not in cancel


def test_a_number_in_a_link_is_answered_with_the_hashed_link(tonghai_official, client_for):
    register_person(tonghai_official, seed=2154, name="旧书签人", phone=PHONE)
    client = client_for(tonghai_official)
    response = client.get(LIST, {"q": "139-5555-6666", "category": "returned"})
    assert response.status_code == 302
    assert "5555" not in response["Location"] and "category=returned" in response["Location"]
    # a name in a link is answered as it is
    assert client.get(LIST, {"q": "旧书签"}).status_code == 200


def test_a_hand_made_hash_finds_nothing_and_widens_nothing(tonghai_official, huaning_official, client_for):
    register_person(tonghai_official, seed=2155, name="本县电话人", phone=PHONE)
    register_person(huaning_official, seed=2156, region_code="530424", name="外县电话人", phone=PHONE)
    client = client_for(tonghai_official)
    for token in ("", "zz", "1' OR '1'='1", "0" * 64):
        html = client.get(LIST, {"phone_hash": token}).content.decode()
        assert "外县电话人" not in html
        assert ("本县电话人" in html) == (token == "")  # empty: no search; anything else finds nobody
    # the real hash finds only the person in scope
    html = client.get(client.post(SEARCH, {"q": PHONE})["Location"]).content.decode()
    assert "本县电话人" in html and "外县电话人" not in html


def test_the_search_view_takes_only_posts_and_only_signed_in_users(client, tonghai_official, client_for):
    assert client_for(tonghai_official).get(SEARCH, {"q": PHONE}).status_code == 405
    response = client.post(SEARCH, {"q": PHONE})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert PHONE not in response["Location"]


def test_gunicorns_access_log_names_no_query_string(tmp_path: Path):
    port = free_port()
    log = tmp_path / "access.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:qiaolian.gunicorn_conf", "qiaolian.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", str(log)],
        cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/persons/?q={PHONE}&doc=110101199003070011", timeout=5)
            except urllib.error.HTTPError:
                break  # 401/403: answered (and logged)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
            else:
                break
        deadline = time.monotonic() + 10
        while "/api/persons/" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    written = log.read_text()
    assert '"GET /api/persons/ HTTP/1.1"' in written
    assert PHONE not in written and "110101199003070011" not in written and "?" not in written


@pytest.mark.django_db
def test_a_mainland_mobile_is_found_however_its_country_code_was_written(tonghai_official, client_for):
    """Stored as its 11 digits (a +86 dropped); numbers stored with their country code before that are found too."""
    from census.registry.models import Person
    from orgs.common.phones import phone_fields

    person = register_person(tonghai_official, seed=2161, name="郝永", phone="+86 157 9757 1790")
    assert Person.objects.get(pk=person.pk).phone == "15797571790"
    older = register_person(tonghai_official, seed=2162, name="郝二", phone="")
    Person.objects.filter(pk=older.pk).update(**phone_fields("+8615797571791"))  # as stored before normalizing
    client = client_for(tonghai_official)
    for query, expected, other in (("15797571790", "郝永", "郝二"), ("+8615797571790", "郝永", "郝二"),
                                   ("＋８６ １５７９７５７１７９０", "郝永", "郝二"), ("157 9757 1791", "郝二", "郝永"),
                                   ("0086-15797571791", "郝二", "郝永")):
        page = client.post("/census/persons/search/", {"q": query}, follow=True).content.decode()
        assert expected in page and other not in page, query
