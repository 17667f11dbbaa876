"""Issue 18 §5: an administrator's search by a full document number puts the number in no URL: the search form
POSTs it and the list's address and every link on it hold only the number's keyed hash."""
from __future__ import annotations

import re

import pytest

from tests.census.factories import register_person, valid_id

pytestmark = pytest.mark.django_db

LIST = "/admin/census/person/"


def links(html: str) -> list[str]:
    return re.findall(r'(?:href|action)="([^"]*)"', html)


def test_the_search_form_posts_and_the_number_appears_in_no_url(admin_client, admin_user):
    number = valid_id(1841)
    person = register_person(admin_user, seed=1841, name="查找对象")
    for seed in range(1842, 1845):
        register_person(admin_user, seed=seed)

    page = admin_client.get(LIST).content.decode()
    assert re.search(r'<form id="changelist-search" method="post"', page)

    response = admin_client.post(f"{LIST}search/", {"q": number, "category__exact": person.category})
    assert response.status_code == 302
    location = response["Location"]
    assert number not in location and "doc=" in location and f"category__exact={person.category}" in location

    result = admin_client.get(location)
    html = result.content.decode()
    assert result.status_code == 200
    assert "查找对象" in html and html.count("/change/") >= 1
    assert number not in result.wsgi_request.get_full_path()
    assert not [link for link in links(html) if number in link]
    assert number not in html  # not even in the search box


def test_a_number_in_an_old_link_is_answered_with_the_hashed_link(admin_client, admin_user):
    number = valid_id(1846)
    register_person(admin_user, seed=1846, name="旧链接对象")
    response = admin_client.get(LIST, {"q": number, "o": "1"})
    assert response.status_code == 302 and number not in response["Location"] and "o=1" in response["Location"]
    html = admin_client.get(response["Location"]).content.decode()
    assert "旧链接对象" in html and number not in html


def test_a_name_is_still_searched_as_a_name(admin_client, admin_user):
    register_person(admin_user, seed=1847, name="名字检索")
    response = admin_client.post(f"{LIST}search/", {"q": "名字检索"})
    assert response.status_code == 302 and "q=" in response["Location"]
    assert "名字检索" in admin_client.get(response["Location"]).content.decode()

