"""The case registry of the generic scope matrix (tests/test_scope_matrix.py).

A case only declares data: which route, how to build its URL for an object placed in a region, which
requests read and which write, and on which surface (web pages, API, Django admin) it lives. The matrix
then proves, for every case, that a county official never reaches another county's objects, that the
read-only leadership changes nothing, and that every write refused is refused because of the scope (the
same write on the user's own object succeeds).

Adding an app: write `tests/scope/<app>.py` that calls `register(...)` with its `Placed` kinds of object and
its `RouteCase`s (the module is imported automatically). A route of the project without a case, and not in
`EXEMPT`, fails `test_every_route_is_covered` with its name. For example:

    PERSON = Placed("person", make=lambda region: PersonFactory(region=region, name=f"矩阵{region.code}"),
                    markers=lambda p: (p.name,), rows=lambda: list(Person.objects.values_list()))
    register(
        RouteCase("census:person-list", WEB, PERSON),
        RouteCase("census:person-detail", WEB, PERSON, kwargs=lambda p: {"pk": p.pk}),
        RouteCase("census:person-edit", WEB, PERSON, kwargs=lambda p: {"pk": p.pk}, methods=("GET", "POST"),
                  writes=(Write("POST", person_form, moves=True),)),
        *scoped_admin_cases(PERSON, "census.person", person_change_form, person_create_form),
    )
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

OWN_REGION = "530423"  # 通海县: tonghai_official's county
FOREIGN_REGION = "530424"  # 华宁县: the neighbouring county, foreign to tonghai_official
# Both lie in 玉溪市 (530400), the read-only leadership's scope.

WEB, API, ADMIN = "web", "api", "admin"
READ_ONLY_STATUSES = (403, 404, 405)


@dataclass(frozen=True)
class Placed:
    """A kind of object the matrix places in a region: one in the own county, one in the foreign county.

    `make(region)` creates it; `markers(obj)` are strings that identify it in any page, CSV or JSON (and
    appear nowhere else); `rows()` returns the model's rows, compared before and after a refused write."""

    label: str
    make: Callable[[Any], Any]
    markers: Callable[[Any], tuple[str, ...]]
    rows: Callable[[], list]


@dataclass(frozen=True)
class Probe:
    """One read request. `data(world, obj)` gives its query (GET) or form (POST) for the object at hand."""

    method: str = "GET"
    data: Callable[[Any, Any], dict] | None = None
    shows_own: bool = True  # the response must show the own object: proves a list is not simply empty
    leader_sees_both: bool = True  # as leadership, the response shows the own and the foreign object
    name: str = ""
    scoped_status: tuple[int, ...] | None = None  # the county official's answer, when not the case's own_status


@dataclass(frozen=True)
class Write:
    """One write request. `body(world, obj, region)` builds it for `obj` (None when creating) placed or
    kept in `region`; the matrix sends it on the own object in the own county (must change the database:
    the positive control), on the foreign object, and on the own object moved into the foreign county."""

    method: str
    body: Callable[[Any, Any, Any], dict] = lambda world, obj, region: {}
    action: str = "change"  # "change" | "create" | "delete" | "none" (a preview that never writes)
    moves: bool = False  # the body places the object in `region`: check moving it into a foreign county
    json: bool = False
    control: bool = True  # run the positive control (False for admin-only pages declared without a valid body)
    name: str = ""


@dataclass(frozen=True)
class RouteCase:
    """One route of the project, declared as data.

    route: the url name ("api:region-detail"), or for an unnamed route its full pattern.
    surface: WEB, API or ADMIN: which users look (see the matrix's SURFACE_USERS).
    placed: the kind of object the route shows, lists or writes.
    kwargs: builds the URL kwargs for one object (object routes); None for list routes.
    url: builds the URL for one object when the route has no name (then `kwargs` is unused).
    list_kwargs: URL kwargs of a list route that takes some (admin:app_list's app_label).
    reads, writes: the requests it answers.
    methods: every HTTP method it supports; other methods must be refused (API and web routes).
    follow: follow redirects (a route that only redirects to another one).
    own_status: statuses accepted for the own object (e.g. admin:view_on_site without a page to go to).
    leader_reads: False for write-only pages (add, delete confirmation), which leadership may not open.
    admin_only: only administrators may use it at all (Django-admin pages of users, tokens, logs, imports):
        the scoped and the leadership staff users get 403.
    writer: the fixture of the user who sends the positive control when the scoped county official may not write
        there at all (policies: 玉溪市 staff, whose city holds both counties); "" for the scoped user.
    """

    route: str
    surface: str
    placed: Placed | None = None
    kwargs: Callable[[Any], dict] | None = None
    url: Callable[[Any], str] | None = None
    list_kwargs: dict = field(default_factory=dict)
    reads: tuple[Probe, ...] = (Probe(),)
    writes: tuple[Write, ...] = ()
    methods: tuple[str, ...] = ("GET", "HEAD", "OPTIONS")
    follow: bool = False
    own_status: tuple[int, ...] = (200,)
    leader_reads: bool = True
    admin_only: bool = False
    writer: str = ""

    @property
    def is_object_route(self) -> bool:
        return self.kwargs is not None or self.url is not None

    def __str__(self) -> str:
        return self.route


CASES: dict[str, RouteCase] = {}
PLACED: dict[str, Placed] = {}


def register(*cases: RouteCase, placed: tuple[Placed, ...] = ()) -> None:
    for kind in placed:
        PLACED[kind.label] = kind
    for case in cases:
        assert case.route not in CASES, f"two cases for {case.route}"
        if case.placed is not None:
            PLACED.setdefault(case.placed.label, case.placed)
        CASES[case.route] = case


# ---- helpers that declare the routes Django's admin gives a model ----------------------------------

ADMIN_METHODS = ("GET", "POST")


def scoped_admin_cases(placed: Placed, app_model: str, change_body, create_body) -> list[RouteCase]:
    """The six routes Django's admin gives a region-scoped model ("census.person"): changelist (with the
    delete action), add, history, delete, change and the bare-pk redirect. `change_body(world, obj, region)`
    and `create_body(world, None, region)` build a valid form placing the object in `region`."""
    prefix = f"admin:{app_model.replace('.', '_')}"
    by_pk = lambda obj: {"object_id": obj.pk}  # noqa: E731
    return [
        RouteCase(
            f"{prefix}_changelist",
            ADMIN,
            placed,
            methods=ADMIN_METHODS,
            reads=(
                Probe(),
                Probe(
                    data=lambda world, obj: {"q": placed.markers(world.own(placed))[0]},
                    leader_sees_both=False,
                    name="search",
                ),
            ),
            writes=(
                Write(
                    "POST",
                    lambda world, obj, region: {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
                    action="delete",
                    name="delete_selected",
                ),
            ),
        ),
        RouteCase(
            f"{prefix}_add",
            ADMIN,
            placed,
            methods=ADMIN_METHODS,
            reads=(Probe(shows_own=False),),
            writes=(Write("POST", create_body, action="create", moves=True),),
            leader_reads=False,
        ),
        RouteCase(f"{prefix}_history", ADMIN, placed, kwargs=by_pk),
        RouteCase(
            f"{prefix}_delete",
            ADMIN,
            placed,
            kwargs=by_pk,
            methods=ADMIN_METHODS,
            writes=(Write("POST", lambda world, obj, region: {"post": "yes"}, action="delete"),),
            leader_reads=False,
        ),
        RouteCase(
            f"{prefix}_change",
            ADMIN,
            placed,
            kwargs=by_pk,
            methods=ADMIN_METHODS,
            writes=(Write("POST", change_body, action="change", moves=True),),
        ),
        RouteCase(
            f"admin/{app_model.replace('.', '/')}/<path:object_id>/",
            ADMIN,
            placed,
            url=lambda obj: f"/admin/{app_model.replace('.', '/')}/{obj.pk}/",
            follow=True,
        ),
    ]


def admin_only_cases(placed: Placed, app_model: str, pk=lambda obj: obj.pk) -> list[RouteCase]:
    """The six admin routes of a model that only administrators may open (users, tokens, logs)."""
    prefix = f"admin:{app_model.replace('.', '_')}"
    path = app_model.replace(".", "/")
    delete_selected = Write(
        "POST",
        lambda world, obj, region: {"action": "delete_selected", "_selected_action": [pk(obj)], "post": "yes"},
        action="delete", name="delete_selected", control=False,
    )
    methods = ADMIN_METHODS
    return [
        RouteCase(f"{prefix}_changelist", ADMIN, placed, methods=methods, writes=(delete_selected,), admin_only=True),
        RouteCase(f"{prefix}_add", ADMIN, placed, methods=methods, writes=(Write("POST", action="create", control=False),), admin_only=True),
        RouteCase(f"{prefix}_history", ADMIN, placed, kwargs=lambda o: {"object_id": pk(o)}, admin_only=True),
        RouteCase(
            f"{prefix}_delete", ADMIN, placed, kwargs=lambda o: {"object_id": pk(o)}, methods=methods,
            writes=(Write("POST", lambda world, obj, region: {"post": "yes"}, action="delete", control=False),),
            admin_only=True,
        ),
        RouteCase(
            f"{prefix}_change", ADMIN, placed, kwargs=lambda o: {"object_id": pk(o)}, methods=methods,
            writes=(Write("POST", action="change", control=False),), admin_only=True,
        ),
        RouteCase(
            f"admin/{path}/<path:object_id>/", ADMIN, placed, url=lambda o: f"/admin/{path}/{pk(o)}/",
            follow=True, admin_only=True,
        ),
    ]


# Routes that show no region-bound data and need no case. Keep it short: each entry says why.
EXEMPT = {
    "login": "public login page",
    "logout": "ends the caller's own session",
    "password_change": "the caller's own password",
    "password_change_done": "the caller's own password",
    "healthz": "public health check: service status, no data",
    "api-schema": "public OpenAPI document: structure, no data",
    "api-docs": "Swagger UI shell: loads the schema, no data",
    "api:api-root": "DRF API root: links to the lists, no data",
    "set_language": "language switch",
    "admin:login": "admin login page",
    "admin:logout": "ends the caller's own session",
    "admin:password_change": "the caller's own password",
    "admin:password_change_done": "the caller's own password",
    "admin:jsi18n": "admin JavaScript translations",
    "admin/(?P<url>.*)$": "admin catch-all: 404 for unknown admin URLs",
}


def iter_routes(patterns=None, prefix: str = "", namespaces: tuple[str, ...] = ()):
    """Every URL pattern of the project as (key, pattern): the key is the namespaced name, or the full
    pattern of an unnamed route. DRF format-suffix variants share their route's name (and its case)."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from iter_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            full = prefix + str(pattern.pattern)
            yield (":".join((*namespaces, pattern.name)) if pattern.name else full), full


def uncovered_routes() -> list[str]:
    seen: dict[str, str] = {}
    for key, full in iter_routes():
        seen.setdefault(key, full)
    return sorted(f"{key}  ({full})" for key, full in seen.items() if key not in CASES and key not in EXEMPT)


def stale_entries() -> list[str]:
    keys = {key for key, _ in iter_routes()}
    return sorted(key for key in [*CASES, *EXEMPT] if key not in keys)


def markers_in(text: str, markers: tuple[str, ...]) -> list[str]:
    return [m for m in markers if re.search(re.escape(m), text)]
