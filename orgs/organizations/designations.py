"""The designations section of an organization's page (issue 17 §4): the home's nominations with their steps, the
form that nominates it (for the organization or its county) and, on each open nomination, the form of the steps
the user may take (the city or the province). Composed into `views._detail_context` by one call."""
from __future__ import annotations

from orgs.homes.forms import NominationForm, NominationStepForm
from orgs.homes.models import HomeStanding
from orgs.homes.selectors import home_nominations


def designation_context(user, organization, home, forms: dict, errors_for: int | None) -> dict:
    """`nominations` (rows with `form` where the user may act), `nomination_form` (when the user may nominate),
    `nomination_blocked` (the home is not at 五有达标, Jiangxi 34). Bound forms in `forms` are shown again."""
    rows, can_nominate = home_nominations(user, organization, home)
    bound_step = forms.get("nomination_step_form")
    for row in rows:
        if row.steps:
            bound = bound_step if errors_for == row.nomination.pk else None
            row.form = bound or NominationStepForm(steps=row.steps, auto_id=f"nomination{row.nomination.pk}_%s")
    context: dict = {"nominations": rows, "nomination_blocked": bool(home) and home.standing != HomeStanding.FULL}
    if can_nominate or "nomination_form" in forms:
        context["nomination_form"] = forms.get("nomination_form") or NominationForm(auto_id="nomination_%s")
    return context
