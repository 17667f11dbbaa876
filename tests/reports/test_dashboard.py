"""The dashboard (首页): the scope's figures, each linking to its list, drill-down to a county, cached
and invalidated when data changes, a fixed number of queries; the SVG charts escape names."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.utils import timezone

from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization, OrganizationKind
from tasks.dashboard.selectors import dashboard_data
from tasks.reports import charts
from tasks.reports.data import report_data
from tests.reports.factories import AS_OF

pytestmark = pytest.mark.django_db


def hrefs(html: str, testid: str) -> str:
    return unescape(re.search(rf'href="([^"]+)" data-testid="{testid}"', html).group(1))


def test_home_is_the_dashboard_of_the_users_scope(world, client_for, tonghai_official, yuxi_staff):
    html = client_for(tonghai_official).get("/").content.decode()
    assert "通海县 · 组织建设工作台" in html
    assert "报表镇" in html and "华宁报表镇" not in html and "组建华宁报表镇侨联" not in html
    assert re.search(r'data-testid="level-county-required">1<', html)
    city = client_for(yuxi_staff).get("/").content.decode()
    assert "玉溪市 · 组织建设工作台" in city and "/dashboard/530423/" in city and "/dashboard/530424/" in city


def test_figures_link_to_their_lists(world, client_for, yuxi_staff):
    client = client_for(yuxi_staff)
    html = client.get("/dashboard/530400/").content.decode()
    founded = urlsplit(hrefs(html, "level-county-founded"))
    assert founded.path == "/census/coverage/gaps/"
    assert parse_qs(founded.query) == {"region": ["530400"], "level": ["county"], "status": ["satisfied"]}
    missing = urlsplit(hrefs(html, "gaps-missing"))
    assert parse_qs(missing.query) == {"region": ["530400"], "status": ["missing"]}
    assert client.get(hrefs(html, "gaps-missing")).status_code == 200
    people = urlsplit(hrefs(html, "people-total"))
    assert people.path == "/census/persons/" and parse_qs(people.query) == {"region": ["530400"]}
    assert "/census/persons/?region=530400&amp;category=relative" in html


def test_drill_down_to_a_county_and_breadcrumb(world, client_for, yuxi_staff):
    html = client_for(yuxi_staff).get("/dashboard/530423/").content.decode()
    assert "通海县 · 组织建设工作台" in html
    assert 'href="/dashboard/530400/"' in html  # breadcrumb back to the city
    assert "/dashboard/530423501/" in html  # the townships drill further


def test_leadership_sees_no_write_buttons(world, client_for, yuxi_leader, yuxi_staff):
    leader = client_for(yuxi_leader).get("/").content.decode()
    assert 'data-testid="write-action"' not in leader and 'data-testid="report-link"' in leader
    staff = client_for(yuxi_staff).get("/").content.decode()
    assert 'data-testid="write-action"' in staff


def _new_transaction():
    """The test runs inside one transaction whose on-commit callbacks never run: treat what the fixtures wrote
    as committed, so the next write starts a fresh list of pending callbacks (as after a real commit)."""
    from django.db import connection

    connection.run_on_commit = []


def test_cached_and_invalidated_when_data_changes(world, django_assert_max_num_queries, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    first = dashboard_data(world.yuxi, as_of=today)
    with django_assert_max_num_queries(1):
        again = dashboard_data(world.yuxi, as_of=today)
    assert again.levels["county"].satisfied == first.levels["county"].satisfied == 3
    # A county federation founded: on commit, coverage is re-evaluated and the receivers move the cache version
    # (no manual invalidation: this is the path production takes).
    _new_transaction()
    with django_capture_on_commit_callbacks(execute=True):
        Organization.objects.create(name="通海县侨联", kind=OrganizationKind.COUNTY, status=OrganizationStatus.ACTIVE,
                                    region=world.tonghai)
    assert dashboard_data(world.yuxi, as_of=today).levels["county"].satisfied == 4


def test_the_rendered_body_is_cached_per_language_and_follows_the_data(world, client_for, yuxi_staff, tonghai_official,
                                                                       django_capture_on_commit_callbacks):
    staff, official = client_for(yuxi_staff), client_for(tonghai_official)
    page = staff.get("/").content.decode()
    assert re.search(r'data-testid="level-county-founded">3<', page) and "主要指标" in page
    # The body is the region's, whoever asks: 通海县's official sees 通海县's, not the cached 玉溪市 body...
    county = official.get("/").content.decode()
    assert "通海县 · 组织建设工作台" in county and "/dashboard/530424/" not in county and "/dashboard/530424/" in page
    # ...and never in another language's words.
    english = staff.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "主要指标" not in english and re.search(r'data-testid="level-county-founded">3<', english)
    # A county federation founded: the next view renders the new figures (the version is part of the key).
    _new_transaction()
    with django_capture_on_commit_callbacks(execute=True):
        Organization.objects.create(name="通海县侨联", kind=OrganizationKind.COUNTY, status=OrganizationStatus.ACTIVE,
                                    region=world.tonghai)
    assert re.search(r'data-testid="level-county-founded">4<', staff.get("/").content.decode())


def test_receivers_bump_the_version_once_per_transaction_on_commit(world, django_capture_on_commit_callbacks):
    from tasks.dashboard.receivers import dashboard_bump_on_commit
    from tasks.dashboard.selectors import VERSION_KEY, dashboard_version

    before = dashboard_version()
    _new_transaction()
    with django_capture_on_commit_callbacks() as callbacks:
        for n in range(25):  # e.g. an import saving rows one by one in one transaction
            world.overdue_task.title = f"改名{n}"
            world.overdue_task.save()
    assert cache.get(VERSION_KEY) == before  # nothing moves before the commit
    assert callbacks.count(dashboard_bump_on_commit) == 1
    for callback in callbacks:
        callback()
    assert cache.get(VERSION_KEY) == before + 1
    # After the bump ran, the next change in the same connection registers a new one.
    with django_capture_on_commit_callbacks() as callbacks:
        world.overdue_task.save()
    assert callbacks.count(dashboard_bump_on_commit) == 1


def test_dashboard_page_queries_do_not_grow_with_the_scope(world, client_for, yunnan_staff, tonghai_official, django_assert_max_num_queries):
    for user in (tonghai_official, yunnan_staff):
        client = client_for(user)
        cache.clear()
        # issue 17 §4 two: budget funding and the latest year's assessments per area; the network and staffing figures
        # are the reports' alone (their seven queries cost a province's dashboard 400 ms)
        with django_assert_max_num_queries(28):
            assert client.get("/").status_code == 200


def test_charts_escape_names():
    hostile = '<script>alert(1)</script>&'
    area = type("Area", (), {"region": type("R", (), {"name": hostile, "code": "530423"})(), "percent": 50.0, "status": "partial",
                             "satisfied": 1, "required": 2, "longitude": 102.5, "latitude": 24.0})()
    for svg in (charts.coverage_by_area([area]), charts.region_map([area])):
        assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in svg
        assert svg.startswith("<svg") and "http://www.w3.org/2000/svg" in svg and "href" not in svg


def test_map_of_a_county_without_coordinates_says_so(world):
    data = report_data(world.tonghai, as_of=AS_OF)
    assert data.map_points and charts.region_map(data.map_points).count("<circle") == len(data.map_points)
    assert "没有坐标" in charts.region_map([])


def test_map_dots_drill_down_on_the_dashboard_only(world, client_for, yuxi_staff):
    html = client_for(yuxi_staff).get("/dashboard/530400/").content.decode()
    svg = re.search(r'data-testid="map"><svg.*?</svg>', html, re.S).group(0)
    assert svg.count('<a href="/dashboard/') == 9 and '<a href="/dashboard/530423/">' in svg
    assert "<a " not in charts.report_charts(report_data(world.yuxi, as_of=AS_OF))["map"]


def test_the_map_draws_a_lone_place_in_the_middle_and_keeps_places_apart():
    import re

    def place(name, longitude, latitude):
        return type("Area", (), {"region": type("R", (), {"name": name, "code": name})(), "percent": 0.0, "status": "missing",
                                 "satisfied": 0, "required": 1, "longitude": longitude, "latitude": latitude})()

    def dots(svg):
        return [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)]

    assert dots(charts.region_map([place("通海县", 102.75, 24.11)])) == [(320.0, 220.0)]  # 640 × (460 − legend)
    west, east = dots(charts.region_map([place("西", 102.0, 24.0), place("东", 103.0, 24.0)]))
    assert west[0] < 320 < east[0] and west[0] >= 40 and east[0] <= 600 and west[1] == east[1] == 220.0
