"""Issue 18 §3: the registry's list counts at most CAP people (a province's million cost 190 ms of COUNT(*) per
page), exactly below the cap; the name search matches names that start with the text (served by an index)."""
from __future__ import annotations

import pytest

from orgs.common.paging import CappedPaginator
from tests.census.factories import register_person


@pytest.fixture
def five_people(tonghai_official):
    return [register_person(tonghai_official, seed=seed, name=name)
            for seed, name in enumerate(("张伟", "张伟国", "李伟", "王芳", "张三"), start=1)]


def test_below_the_cap_the_list_counts_exactly(five_people, tonghai_client, tonghai_api):
    page = tonghai_client.get("/census/persons/").content.decode()
    assert "共 5 人" in page and "超过" not in page
    body = tonghai_api.get("/api/persons/").json()
    assert (body["count"], body["count_capped"]) == (5, False)


def test_above_the_cap_the_list_says_more_than_and_pages_only_the_first(five_people, tonghai_client, tonghai_api,
                                                                       monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    page = tonghai_client.get("/census/persons/").content.decode()
    assert "超过 3 人，列出前 3 人" in page and "共 5 人" not in page
    body = tonghai_api.get("/api/persons/").json()
    assert (body["count"], body["count_capped"]) == (3, True)
    # Only the first three are paged: page 2 of a page size of 50 does not exist.
    assert tonghai_api.get("/api/persons/", {"page": 2}).status_code == 404


def test_the_name_search_finds_names_starting_with_the_text(five_people, tonghai_client, tonghai_api):
    def names(query: str) -> set[str]:
        return {row["name"] for row in tonghai_api.get("/api/persons/", {"q": query}).json()["results"]}

    assert names("张") == {"张伟", "张伟国", "张三"}
    assert names("张伟") == {"张伟", "张伟国"}
    assert names("伟") == set()  # a given name alone is not a name's beginning
    assert "共 2 人" in tonghai_client.get("/census/persons/", {"q": "张伟"}).content.decode()


def test_the_capped_count_of_a_list_that_is_not_a_queryset():
    paginator = CappedPaginator(list(range(7)), 2)
    paginator.cap = 5
    assert (paginator.count, paginator.is_capped, paginator.num_pages) == (5, True, 3)
