"""Pages of designation nominations (issue 17 §4, Jiangxi 32–34): 待审推荐 (the open nominations, those waiting for
the user first), nominating an organization's 侨胞之家, and one step of a nomination. Thin: the services of
`orgs.homes.nominations` decide; a nomination outside the user's scope is a 404, leadership gets 403 on writes."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from orgs.access.scoping import get_editable_or_404, require_writer
from orgs.homes.forms import NominationForm, NominationStepForm
from orgs.homes.models import DesignationNomination
from orgs.homes.nominations import allowed_steps, designation_nominate, nomination_step
from orgs.homes.selectors import nominations_for
from orgs.organizations.views import _home_of, _post_part


@require_safe
@login_required
def nomination_list(request):
    """待审推荐: the open nominations in the user's scope, those waiting for the user's action first."""
    mine, others = nominations_for(request.user)
    return render(request, "orgs/designation_list.html", {"mine": mine, "others": others})


@require_POST
@login_required
def nominate(request, pk: int):
    """推荐 the 侨胞之家 of organization `pk` for a designation."""

    def write(organization, data):
        designation_nominate(home=_home_of(organization), actor=request.user, **data)

    return _post_part(request, pk, NominationForm, "nomination_form", write, _("已报送推荐"), anchor="designations")


@require_POST
@login_required
def step(request, pk: int):
    """One step of nomination `pk` (resubmit, recommend, award, return)."""
    require_writer(request.user)
    nomination = get_editable_or_404(
        DesignationNomination.objects.select_related("home__organization__region", "city", "province"), request.user, pk=pk
    )

    def write(organization, data):
        nomination_step(nomination=nomination, actor=request.user, **data)

    return _post_part(
        request, nomination.home.organization_id, NominationStepForm, "nomination_step_form", write, _("已办理"),
        form_kwargs={"steps": allowed_steps(request.user, nomination) or None, "auto_id": f"nomination{nomination.pk}_%s"},
        errors_for=nomination.pk, anchor="designations",
    )
