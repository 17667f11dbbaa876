"""Pages of 督查考核: the scoring sheets (list, create, detail, edit while unused, copy), the yearly assessment list
with filters, and the entry page of one organization's assessment (linked from the organization page).

Thin: reads through `orgs.assessments.selectors`, writes through `orgs.assessments.services`. A sheet or an
organization outside the user's scope is a 404; a read-only user gets 403 on every write."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from orgs.access.scoping import get_editable_or_404, get_visible_or_404, require_writer, user_scope
from orgs.assessments.filters import AssessmentFilter
from orgs.assessments.forms import AssessmentForm, SheetCopyForm, SheetForm
from orgs.assessments.models import OrganizationAssessment, ScoringSheet
from orgs.assessments.selectors import assessments_visible, sheets_visible
from orgs.assessments.services import (
    applicable_sheet,
    assessment_save,
    can_assess,
    sheet_copy,
    sheet_create,
    sheet_locked,
    sheet_update,
)
from orgs.common.forms import apply_errors
from orgs.organizations.models import Organization
from orgs.regions.selectors import own_region_code

PAGE_SIZE = 50


def _lines(pairs) -> str:
    return "\n".join(f"{a}|{b}" for a, b in pairs)


@require_safe
@login_required
def sheet_list(request):
    """考核评分表 the user reads (their regions' and those above), newest year first."""
    return render(request, "assessments/sheet_list.html", {
        "sheets": list(sheets_visible(request.user)), "can_create": user_scope(request.user).can_write,
    })


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def sheet_create_view(request):
    require_writer(request.user)
    form = SheetForm(request.POST or None, user=request.user,
                     initial={"region": own_region_code(request.user), "year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sheet = sheet_create(actor=request.user, region=data["region"], year=data["year"], name=data["name"],
                                 items=data["items"], grades=data["grades"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已建立考核评分表“%(name)s”") % {"name": sheet.name})
            return redirect("assessments:sheet-detail", pk=sheet.pk)
    return render(request, "assessments/sheet_form.html", {"form": form, "creating": True},
                  status=400 if request.method == "POST" else 200)


@require_safe
@login_required
def sheet_detail(request, pk: int):
    sheet = get_visible_or_404(ScoringSheet.objects.select_related("region"), request.user, pk=pk)
    scope = user_scope(request.user)
    can_edit = scope.can_write and scope.edits_region(sheet.region)
    return render(request, "assessments/sheet_detail.html", {
        "sheet": sheet, "items": list(sheet.items.all()), "locked": sheet_locked(sheet),
        "assessed": sheet.assessments.count(), "can_edit": can_edit,
        "copy_form": SheetCopyForm(initial={"year": sheet.year + 1, "name": sheet.name}) if can_edit else None,
    })


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def sheet_edit(request, pk: int):
    require_writer(request.user)
    sheet = get_editable_or_404(ScoringSheet.objects.select_related("region"), request.user, pk=pk)
    initial = {"name": sheet.name, "items": _lines((i.title, i.max_points) for i in sheet.items.all()),
               "grades": _lines((g["name"], g["min"]) for g in sheet.grades)}
    form = SheetForm(request.POST or None, user=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sheet_update(sheet=sheet, actor=request.user, name=data["name"], items=data["items"], grades=data["grades"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("assessments:sheet-detail", pk=sheet.pk)
    return render(request, "assessments/sheet_form.html", {"form": form, "sheet": sheet, "creating": False,
                                                            "locked": sheet_locked(sheet)},
                  status=400 if request.method == "POST" else 200)


@require_POST
@login_required
def sheet_copy_view(request, pk: int):
    """Copies a sheet (items and grades) to another year: how a sheet in use is changed."""
    require_writer(request.user)
    sheet = get_editable_or_404(ScoringSheet.objects.select_related("region"), request.user, pk=pk)
    form = SheetCopyForm(request.POST)
    if form.is_valid():
        try:
            copy = sheet_copy(sheet=sheet, actor=request.user, year=form.cleaned_data["year"], name=form.cleaned_data["name"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("已复制为 %(year)d 年度的评分表") % {"year": copy.year})
            return redirect("assessments:sheet-detail", pk=copy.pk)
    else:
        messages.error(request, _("请填写有效的考核年度"))
    return redirect("assessments:sheet-detail", pk=sheet.pk)


@require_safe
@login_required
def assessment_list(request):
    """督查考核结果 of the organizations in the user's scope, filtered, paginated."""
    base = assessments_visible(request.user)
    filterset = AssessmentFilter(request.GET or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "assessments/assessment_list.html", {
        "filter": filterset, "page": page, "assessments": page.object_list, "total": page.paginator.count,
        "query": query.urlencode(),
    })


def _year(request) -> int:
    value = (request.POST.get("year") or request.GET.get("year") or "").strip()
    this_year = timezone.localdate().year
    return int(value) if value.isdigit() and 2000 <= int(value) <= this_year else this_year


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def organization_assess(request, pk: int):
    """One organization's assessment for a year (?year=): the scores on the applicable sheet, and for its
    superior the entry form. Entering again replaces that year's scores (one assessment per year)."""
    organization = get_visible_or_404(Organization.objects.select_related("region__parent"), request.user, pk=pk)
    if request.method == "POST":
        require_writer(request.user)
    year = _year(request)
    sheet = applicable_sheet(organization, year)
    assessment = (OrganizationAssessment.objects.filter(organization=organization, year=year)
                  .select_related("assessed_by", "sheet").prefetch_related("scores__item").first())
    allowed = can_assess(request.user, organization)
    form = None
    status = 200
    if sheet is not None and allowed:
        initial: dict[str, object] = {}
        if assessment is not None:
            initial = {f"item_{s.item_id}": s.points for s in assessment.scores.all()}
            initial.update(assessed_on=assessment.assessed_on, note=assessment.note)
        form = AssessmentForm(request.POST or None, sheet=sheet, initial=initial)
    if request.method == "POST":
        if form is None:
            form = AssessmentForm(request.POST, sheet=sheet) if sheet is not None else None
        if form is not None and form.is_valid():
            try:
                saved = assessment_save(actor=request.user, organization=organization, year=year, scores=form.scores(),
                                        assessed_on=form.cleaned_data["assessed_on"], note=form.cleaned_data["note"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("已记录“%(name)s” %(year)d 年度考核：%(total)s 分，%(grade)s")
                                 % {"name": organization.name, "year": year, "total": saved.total, "grade": saved.grade})
                return redirect(f"{request.path}?year={year}")
        elif form is None:
            messages.error(request, _("%(year)d 年度没有适用于“%(name)s”的考核评分表") % {"year": year, "name": organization.name})
        status = 400
    this_year = timezone.localdate().year
    return render(request, "assessments/organization_assess.html", {
        "organization": organization, "year": year, "years": list(range(this_year, this_year - 6, -1)), "sheet": sheet,
        "assessment": assessment, "form": form if allowed else None, "can_assess": allowed,
        "refusal": form.non_field_errors() if form is not None and not allowed else None,
        "history": list(organization.yearly_assessments.order_by("-year").values("year", "total", "grade")),
    }, status=status)
