"""THE GENERIC SCOPE MATRIX: every route of the project, as a county official of 通海县, as the read-only
leadership of 玉溪市, and (Django admin) as staff users with model permissions scoped the same way.

The cases are data (tests/scope/); this module holds the checks:

* every URL pattern has a case or is in the short EXEMPT list;
* the scoped user gets 404 (not 403) for an object in the neighbouring county on every object route, API
  format-suffix variants included, reaches its own objects, and never sees the foreign object in a list,
  a search, a filter, an export or a changelist (which do show its own object: they are not just empty);
* the leadership reads everything in its city and every write it sends is refused, the database unchanged;
* a write refused to the scoped user (on the foreign object, or moving its own object into the foreign
  county) leaves the database unchanged, while the same write on its own object does change it;
* admin pages outside the region scoping (users, tokens, login attempts, audit log, region import) are
  403 for scoped staff; the admin is closed to users who are not staff;
* methods a route does not declare are refused.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from orgs.regions.models import Region
from tests.scope.registry import (
    ADMIN,
    API,
    CASES,
    EXEMPT,
    FOREIGN_REGION,
    OWN_REGION,
    PLACED,
    READ_ONLY_STATUSES,
    WEB,
    Placed,
    RouteCase,
    markers_in,
    stale_entries,
    uncovered_routes,
)

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


# ---- fixtures --------------------------------------------------------------------------------------------


class World:
    """The two regions and, created on first use, one object of each placed kind in each of them."""

    def __init__(self):
        self.own_region = Region.objects.get(code=OWN_REGION)
        self.foreign_region = Region.objects.get(code=FOREIGN_REGION)
        self._objects: dict[tuple[str, str], object] = {}

    def _get(self, placed: Placed, side: str):
        key = (placed.label, side)
        if key not in self._objects:
            self._objects[key] = placed.make(self.own_region if side == "own" else self.foreign_region)
        return self._objects[key]

    def own(self, placed: Placed):
        return self._get(placed, "own")

    def foreign(self, placed: Placed):
        return self._get(placed, "foreign")


@pytest.fixture
def world(db) -> World:
    return World()


class Users:
    """Who looks at each surface: `scoped` (通海县), `leader` (玉溪市, read-only), `admin`."""

    def __init__(self, request):
        self._request = request
        self._clients: dict[tuple[str, str], object] = {}

    def _user(self, fixture: str):
        return self._request.getfixturevalue(fixture)

    def client(self, surface: str, who: str):
        key = (surface, who)
        if key not in self._clients:
            fixture = {
                ("scoped", WEB): "tonghai_official", ("scoped", API): "tonghai_official", ("scoped", ADMIN): "tonghai_staff",
                ("leader", WEB): "yuxi_leader", ("leader", API): "yuxi_leader", ("leader", ADMIN): "leader_staff",
                ("admin", WEB): "admin_user", ("admin", API): "admin_user", ("admin", ADMIN): "admin_user",
                ("outsider", ADMIN): "tonghai_official",
            }[(who, surface)]
            factory = self._request.getfixturevalue("api_client_for" if surface == API else "client_for")
            self._clients[key] = factory(self._user(fixture))
        return self._clients[key]

    def writer(self, surface: str, fixture: str):
        """A client of the user named by a case's `writer` fixture."""
        key = (surface, f"writer:{fixture}")
        if key not in self._clients:
            factory = self._request.getfixturevalue("api_client_for" if surface == API else "client_for")
            self._clients[key] = factory(self._user(fixture))
        return self._clients[key]


@pytest.fixture
def users(request) -> Users:
    return Users(request)


@pytest.fixture(autouse=True)
def _remove_staged_imports():
    """Import files staged for a confirmation that was refused stay in the temp folder: remove them."""
    yield
    for staged in Path(tempfile.gettempdir()).glob(f"qiaolian-matrix-{os.getpid()}-*.csv"):  # this process only: xdist workers share the folder
        staged.unlink(missing_ok=True)


# ---- helpers ------------------------------------------------------------------------------------------------


def url_of(case: RouteCase, obj=None, fmt: str | None = None) -> str:
    if case.url is not None:
        return case.url(obj)
    kwargs = dict(case.kwargs(obj)) if case.kwargs is not None else dict(case.list_kwargs)
    if fmt:
        kwargs["format"] = fmt
    return reverse(case.route, kwargs=kwargs)


def send(client, method: str, url: str, data: dict | None = None, *, json: bool = False, follow: bool = False):
    call = getattr(client, method.lower())
    data = data or {}
    if method in ("GET", "HEAD", "OPTIONS"):
        return call(url, data, follow=follow)
    if json:
        return call(url, data, content_type="application/json", follow=follow)
    if method == "POST":
        return call(url, data, follow=follow)
    return call(url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded", follow=follow)


def text_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def snapshot() -> dict[str, list]:
    """Every row of every model the matrix places objects of."""
    return {label: placed.rows() for label, placed in sorted(PLACED.items())}


def describe(response) -> str:
    location = response.get("Location", "")
    return f"{response.status_code} {location} {text_of(response)[:300]!r}"


def cases(predicate) -> list:
    return [pytest.param(case, id=case.route) for case in CASES.values() if predicate(case)]


def write_params(predicate) -> list:
    return [
        pytest.param(case, write, id=f"{case.route}|{write.name or write.method}")
        for case in CASES.values()
        for write in case.writes
        if predicate(case, write)
    ]


def probe_data(probe, world, obj):
    return probe.data(world, obj) if probe.data else {}


# ---- coverage -------------------------------------------------------------------------------------------------


def test_every_route_is_covered():
    missing = uncovered_routes()
    assert not missing, (
        "Routes without a scope-matrix case (declare one in tests/scope/<app>.py, or, if the route shows no "
        "region-bound data, add it to EXEMPT in tests/scope/registry.py with the reason):\n  " + "\n  ".join(missing)
    )


def test_no_case_for_a_route_that_does_not_exist():
    assert not stale_entries(), f"cases or exemptions for routes that no longer exist: {stale_entries()}"


def test_exempt_list_stays_short():
    assert len(EXEMPT) <= 20


# ---- the scoped user (通海县) --------------------------------------------------------------------------------

SCOPED = lambda case: not case.admin_only  # noqa: E731


@pytest.mark.parametrize("case", cases(lambda c: SCOPED(c) and c.is_object_route))
def test_foreign_object_is_404(case, world, users):
    client = users.client(case.surface, "scoped")
    foreign = world.foreign(case.placed)
    urls = [url_of(case, foreign)]
    if case.surface == API:
        urls.append(url_of(case, foreign, fmt="json"))
    for url in urls:
        for probe in case.reads:
            response = send(client, probe.method, url, probe_data(probe, world, foreign), follow=case.follow)
            assert response.status_code == 404, f"{probe.method} {url}: {describe(response)}"


@pytest.mark.parametrize("case", cases(lambda c: SCOPED(c) and c.is_object_route))
def test_own_object_is_reachable_and_shows_nothing_foreign(case, world, users):
    client = users.client(case.surface, "scoped")
    own, foreign = world.own(case.placed), world.foreign(case.placed)
    url = url_of(case, own)
    for probe in case.reads:
        response = send(client, probe.method, url, probe_data(probe, world, own), follow=case.follow)
        assert response.status_code in case.own_status, f"{probe.method} {url}: {describe(response)}"
        if response.status_code == 200:
            body = text_of(response)
            assert not markers_in(body, case.placed.markers(foreign)), f"{url} shows the foreign object"
            if probe.shows_own:
                assert markers_in(body, case.placed.markers(own)), f"{url} does not show the own object"


@pytest.mark.parametrize("case", cases(lambda c: SCOPED(c) and not c.is_object_route))
def test_lists_show_own_objects_and_never_foreign_ones(case, world, users):
    client = users.client(case.surface, "scoped")
    own, foreign = world.own(case.placed), world.foreign(case.placed)
    urls = [url_of(case)]
    if case.surface == API:
        urls.append(url_of(case, fmt="json"))
    for url in urls:
        for probe in case.reads:
            response = send(client, probe.method, url, probe_data(probe, world, None), follow=case.follow)
            label = f"{probe.method} {url} {probe.name}"
            assert response.status_code in (probe.scoped_status or case.own_status), f"{label}: {describe(response)}"
            if response.status_code != 200:
                continue
            body = text_of(response)
            assert not markers_in(body, case.placed.markers(foreign)), f"{label} shows the foreign object"
            if probe.shows_own:
                assert markers_in(body, case.placed.markers(own)), f"{label} does not show the own object"


# ---- the read-only leadership (玉溪市) ---------------------------------------------------------------------


@pytest.mark.parametrize("case", cases(SCOPED))
def test_leadership_reads_its_whole_city(case, world, users):
    """Both objects lie in 玉溪市: leadership reads them, lists show both (write-only pages: 403)."""
    client = users.client(case.surface, "leader")
    own, foreign = world.own(case.placed), world.foreign(case.placed)
    targets = [own, foreign] if case.is_object_route else [None]
    for obj in targets:
        url = url_of(case, obj)
        for probe in case.reads:
            response = send(client, probe.method, url, probe_data(probe, world, obj), follow=case.follow)
            label = f"{probe.method} {url} {probe.name}"
            if not case.leader_reads:
                assert response.status_code == 403, f"{label}: {describe(response)}"
                continue
            assert response.status_code in case.own_status, f"{label}: {describe(response)}"
            if response.status_code != 200 or not probe.shows_own:
                continue
            body = text_of(response)
            expected = [obj] if obj is not None else [own, foreign] if probe.leader_sees_both else []
            for shown in expected:
                assert markers_in(body, case.placed.markers(shown)), f"{label} does not show {shown}"


@pytest.mark.parametrize(("case", "write"), write_params(lambda c, w: SCOPED(c)))
def test_leadership_writes_are_refused(case, write, world, users):
    client = users.client(case.surface, "leader")
    for obj in (world.own(case.placed), world.foreign(case.placed)):
        target = None if write.action == "create" else obj
        url = url_of(case, target) if case.is_object_route else url_of(case)
        body = write.body(world, target, world.own_region)
        before = snapshot()
        response = send(client, write.method, url, body, json=write.json)
        if case.is_object_route or write.action == "create":
            assert response.status_code in READ_ONLY_STATUSES, f"{write.method} {url}: {describe(response)}"
        else:
            assert response.status_code < 500, describe(response)
        assert snapshot() == before, f"{write.method} {url} by leadership changed the database"


# ---- writes of the scoped user ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "write"), write_params(lambda c, w: SCOPED(c) and w.action != "create"))
def test_writes_on_foreign_objects_are_refused(case, write, world, users):
    client = users.client(case.surface, "scoped")
    foreign = world.foreign(case.placed)
    url = url_of(case, foreign) if case.is_object_route else url_of(case)
    body = write.body(world, foreign, world.foreign_region)
    before = snapshot()
    response = send(client, write.method, url, body, json=write.json)
    if case.is_object_route:
        assert response.status_code == 404, f"{write.method} {url}: {describe(response)}"
    else:
        assert response.status_code < 500, describe(response)
    assert snapshot() == before, f"{write.method} {url} changed a foreign object"


@pytest.mark.parametrize(("case", "write"), write_params(lambda c, w: SCOPED(c) and w.moves))
def test_nothing_is_placed_in_a_foreign_county(case, write, world, users):
    """Adding an object to 华宁县, or moving one's own object there, is refused."""
    client = users.client(case.surface, "scoped")
    own = None if write.action == "create" else world.own(case.placed)
    url = url_of(case, own) if case.is_object_route else url_of(case)
    body = write.body(world, own, world.foreign_region)
    before = snapshot()
    response = send(client, write.method, url, body, json=write.json)
    assert response.status_code < 500, describe(response)
    assert snapshot() == before, f"{write.method} {url} placed an object in the foreign county: {describe(response)}"


@pytest.mark.parametrize(("case", "write"), write_params(lambda c, w: w.control))
def test_allowed_writes_do_change_the_database(case, write, world, users):
    """The positive control: the refusals above are the scope's doing, not a malformed request."""
    if case.writer:
        client = users.writer(case.surface, case.writer)
    else:
        client = users.client(case.surface, "admin" if case.admin_only else "scoped")
    own = None if write.action == "create" else world.own(case.placed)
    url = url_of(case, own) if case.is_object_route else url_of(case)
    body = write.body(world, own, world.own_region)
    before = case.placed.rows()
    response = send(client, write.method, url, body, json=write.json)
    assert response.status_code < 400, describe(response)
    if write.action == "none":
        assert case.placed.rows() == before
    else:
        assert case.placed.rows() != before, f"{write.method} {url} did not write: {describe(response)}"


# ---- admin pages outside the scoping, and the admin's door ----------------------------------------------------


@pytest.mark.parametrize("case", cases(lambda c: c.admin_only))
def test_admin_only_pages_are_403_for_scoped_staff(case, world, users):
    obj = world.own(case.placed)
    url = url_of(case, obj) if case.is_object_route else url_of(case)
    for who in ("scoped", "leader"):
        client = users.client(case.surface, who)
        for probe in case.reads:
            response = send(client, probe.method, url, probe_data(probe, world, obj), follow=case.follow)
            assert response.status_code == 403, f"{who} {probe.method} {url}: {describe(response)}"
        for write in case.writes:
            body = write.body(world, None if write.action == "create" else obj, world.own_region)
            before = snapshot()
            response = send(client, write.method, url, body, json=write.json)
            assert response.status_code == 403, f"{who} {write.method} {url}: {describe(response)}"
            assert snapshot() == before
    admin = users.client(case.surface, "admin")
    for probe in case.reads:
        response = send(admin, probe.method, url, probe_data(probe, world, obj), follow=case.follow)
        assert response.status_code < 500 and response.status_code != 404, describe(response)


@pytest.mark.parametrize("case", cases(lambda c: c.surface == ADMIN))
def test_admin_is_closed_to_users_who_are_not_staff(case, world, users):
    client = users.client(ADMIN, "outsider")
    obj = world.own(case.placed)
    url = url_of(case, obj) if case.is_object_route else url_of(case)
    before = snapshot()
    for method in case.methods:
        response = send(client, method, url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], describe(response)
    assert snapshot() == before


@pytest.mark.parametrize("case", cases(lambda c: c.surface in (WEB, API)))
def test_undeclared_methods_are_refused(case, world, users):
    declared = set(case.methods) | {w.method for w in case.writes}
    obj = world.own(case.placed)
    url = url_of(case, obj) if case.is_object_route else url_of(case)
    clients = {who: users.client(case.surface, who) for who in ("scoped", "leader")}
    before = snapshot()
    for who, allowed in (("scoped", (405,)), ("leader", (403, 405))):
        client = clients[who]
        for method in WRITE_METHODS:
            if method in declared:
                continue
            response = send(client, method, url, {}, json=case.surface == API)
            assert response.status_code in allowed, f"{who} {method} {url}: {describe(response)}"
    assert snapshot() == before
