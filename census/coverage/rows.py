"""What the coverage pages show of a verdict, made in Python: the numbers with the links to the people behind them,
and the gap page's rows. A row of 应建未建 is plain output for its template (no include, `{% url %}` or translation
per row): on a page of 50 rows with six categories each, the template engine's per-tag cost was most of the page."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlencode

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from census.coverage.models import FulfilmentChoice, Requirement, VerdictChoice
from census.registry.models import Category
from orgs.templatetags.choices import choice_label

__all__ = ["GapRow", "gap_rows", "people_url", "requirement_numbers"]

CATEGORY_ORDER: tuple[str, ...] = tuple(Category.values)  # computed once (`Category.values` builds a new list)


def people_url(*, region_code: str | None = None, unit_id: int | None = None, categories=(), base: str = "") -> str:
    """The person list (masked, scoped as it always is) filtered to the people a number counts:
    a unit's people, or a region's subtree; only the given categories unless they are all of them.
    `base`: the person list's address when the caller already has it (a page of rows reverses it once)."""
    params: list[tuple[str, str]] = [("unit", str(unit_id))] if unit_id else [("region", region_code or "")]
    chosen = set(categories)
    picked = [c for c in CATEGORY_ORDER if c in chosen]
    if picked and len(picked) < len(CATEGORY_ORDER):
        params += [("category", c) for c in picked]
    return f"{base or reverse('census:person-list')}?{urlencode(params)}"


def requirement_numbers(requirement: Requirement, *, base: str = "") -> dict:
    """A verdict's numbers as the pages show them: the counted total and each category, each with the
    link to the people behind it and the link's title."""
    base = base or reverse("census:person-list")
    where = {"unit_id": requirement.unit_id} if requirement.unit_id else {"region_code": requirement.region.code}
    by_category = requirement.headcount_by_category or {}
    labels = _category_labels(get_language())
    return {
        "total": requirement.headcount,
        "total_display": _grouped(requirement.headcount),
        "total_url": people_url(**where, categories=requirement.policy.counted_categories, base=base),
        "by_category": [
            {"label": labels[c][0], "title": labels[c][1], "n": by_category[c],
             "n_display": _grouped(by_category[c]), "url": people_url(**where, categories=[c], base=base)}
            for c in CATEGORY_ORDER
            if by_category.get(c)
        ],
    }


@lru_cache(maxsize=16)
def _category_labels(language: str | None) -> dict[str, tuple[str, str]]:
    """Each category's label and its link's title, in `language` (translated once per process and language)."""
    return {value: (str(label), _("查看%(label)s") % {"label": label}) for value, label in Category.choices}


def _grouped(n: int) -> str:
    """`n` as `intcomma` writes it (thousands grouped as the language does); below 1,000 there is nothing to group."""
    return str(n) if -1000 < n < 1000 else intcomma(n)


def _url_maker(name: str) -> Callable[[str], str]:
    """`code → reverse(name, args=[code])` for a route whose only argument is a `str` path segment, reversed once."""
    marker = "__segment__"
    pattern = reverse(name, args=[marker])
    return lambda code: pattern.replace(marker, quote(code, safe=""))


@dataclass(frozen=True)
class GapRow:
    """One row of 应建未建: the place, its verdict and state, the numbers, the reason and the links."""

    verdict: str
    status: str
    place: str
    is_unit: bool
    level_label: str
    path: str
    region_url: str
    region_link_label: str
    verdict_label: str
    status_label: str  # empty for 不需建立
    numbers: dict
    reason: str
    responsible_note: str
    found_url: str  # 发起成立, empty where the user may not or the place needs nothing


def gap_rows(requirements: Iterable[Requirement], *, can_write: bool) -> list[GapRow]:
    """The rows of a page of verdicts (their region, unit and policy selected with them)."""
    people_base = reverse("census:person-list")
    region_url = _url_maker("orgs:region-detail")
    create_url = reverse("organizations:create")
    rows = []
    for r in requirements:
        region, unit = r.region, r.unit
        founding = can_write and r.verdict == VerdictChoice.REQUIRED and r.status == FulfilmentChoice.MISSING
        rows.append(GapRow(
            verdict=r.verdict,
            status=r.status,
            place=unit.name if unit is not None else region.name,
            is_unit=unit is not None,
            level_label=choice_label(r, "level"),
            path=region.path,
            region_url=region_url(region.code),
            region_link_label=_("查看%(name)s") % {"name": region.name},
            verdict_label=choice_label(r, "verdict"),
            status_label="" if r.verdict == VerdictChoice.NOT_REQUIRED else choice_label(r, "status"),
            numbers=requirement_numbers(r, base=people_base),
            reason=r.reason,
            responsible_note=_("负责：%(who)s") % {"who": r.responsible} if r.responsible else "",
            found_url=(f"{create_url}?{urlencode({'unit': r.unit_id} if unit is not None else {'region': region.code})}"
                       if founding else ""),
        ))
    return rows
