"""django-filter filtersets of the registry (persons, units, campaigns), shared by the pages and the API.

Filters narrow a queryset that the caller has already scoped (`.visible_to(user)`); they never widen
it. A region filter therefore looks the region up by code without a permission check: a region outside
the caller's scope yields only the rows that are both in its subtree and in the caller's scope."""
from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from census.registry.models import FLAG_FIELDS, Campaign, Category, DocumentType, Person
from orgs.common.crypto import search_token, search_token_hashes
from orgs.common.filters import KEY_RANGE, YEAR_RANGE, OneOfSelect, yes_no_filter
from orgs.common.identifiers import normalize_uscc
from orgs.common.phones import phone_lookup_hashes, with_phone_hashes
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization
from orgs.regions.filters import RegionSubtreeFilter
from orgs.units.models import Unit, UnitKind


class PersonFilter(django_filters.FilterSet):
    """region (subtree, by code), category (several), id_type (证件类型), unit (id, or name contains), the five flags,
    campaign (id or year of the campaign that last verified the person), q (names that start with it: a surname
    or a full name; or a full phone number, found by its keyed hash). On the
    page the ids ride along as hidden fields (links from other pages carry them); people pick by name
    and year."""

    region = RegionSubtreeFilter()
    category = django_filters.MultipleChoiceFilter(choices=Category.choices, label=_("类别"), widget=forms.CheckboxSelectMultiple)
    id_type = django_filters.ChoiceFilter(choices=DocumentType.choices, label=_("证件类型"), empty_label=_("全部"))
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("工作单位（编号）"), widget=forms.HiddenInput, **KEY_RANGE)
    unit_name = django_filters.CharFilter(field_name="unit__name", lookup_expr="contains", label=_("工作单位"))
    is_needy = yes_no_filter(_("困难群众"))
    is_left_behind_child = yes_no_filter(_("留守儿童"))
    is_empty_nest_elderly = yes_no_filter(_("空巢老人"))
    is_high_level_talent = yes_no_filter(_("高层次人才"))
    is_new_overseas = yes_no_filter(_("新侨"))
    campaign = django_filters.NumberFilter(field_name="verified_campaign_id", label=_("最近核实的调查（编号）"), widget=forms.HiddenInput, **KEY_RANGE)
    campaign_year = django_filters.NumberFilter(field_name="verified_campaign__year", label=_("最近核实的调查年度"), **YEAR_RANGE)
    q = django_filters.CharFilter(method="filter_q", label=_("姓名或电话"),
                                  widget=forms.TextInput(attrs={"placeholder": _("姓、全名或完整电话号码")}))
    # A full phone number searched on the page: the form POSTs it and the list's link holds only its keyed
    # hashes (views.person_search), so the number is in no URL, history or access log.
    phone_hash = django_filters.CharFilter(method="filter_phone_hash", label=_("按完整电话号码查找"), widget=forms.HiddenInput)

    class Meta:
        model = Person
        fields = ["region", "category", "id_type", "unit", "unit_name", *FLAG_FIELDS, "campaign", "campaign_year", "q", "phone_hash"]

    def filter_q(self, queryset, name, value):
        # A full phone number (after normalize_phone) is looked up by its keyed hash (the number is stored
        # encrypted; an index on the hash, census migration 0020). Otherwise names that start with the text: a
        # surname or a full name, served by an index on a province's million people (census migration 0015).
        value = value.strip()
        if not value:
            return queryset
        phone_hashes = phone_lookup_hashes(value)
        if phone_hashes is not None:
            return with_phone_hashes(queryset, phone_hashes)
        return queryset.filter(name__startswith=value)

    def filter_phone_hash(self, queryset, name, value):
        return with_phone_hashes(queryset, search_token_hashes(value)) if value else queryset


def person_search_query(params: QueryDict) -> tuple[QueryDict, bool]:
    """The person list's query for a search, and whether it hid a phone number: `params` (the form's POST, or a link)
    without its empty fields and page, and a full phone number in `q` replaced by its keyed hashes (`phone_hash`)."""
    term = params.get("q", "").strip()
    hashes = phone_lookup_hashes(term) if term else None
    query = QueryDict(mutable=True)
    for key, values in params.lists():
        kept = [value for value in values if value]
        if key not in ("csrfmiddlewaretoken", "page", "q", "phone_hash") and kept:
            query.setlist(key, kept)
    if hashes is not None:
        query["phone_hash"] = search_token(hashes)
    elif term:
        query["q"] = term
    elif searched := params.get("phone_hash", ""):  # the filters changed, the number searched before kept
        query["phone_hash"] = str(searched)
    return query, hashes is not None


class UnitFilter(django_filters.FilterSet):
    """region (subtree, by code), kind (several), 两新组织, has_organization (a federation organization in the
    unit that is not dissolved: founding or active), q (name contains, or credit code prefix)."""

    q = django_filters.CharFilter(method="filter_q", label=_("名称或统一社会信用代码"))
    region = RegionSubtreeFilter()
    # distinct=False: one row per unit anyway (a DISTINCT would sort every column of every row first)
    kind = django_filters.MultipleChoiceFilter(
        choices=UnitKind.choices, label=_("单位类别"), distinct=False, widget=OneOfSelect(empty_label=_("全部"))
    )
    is_two_new = yes_no_filter(_("两新组织"))
    has_organization = yes_no_filter(_("已有侨联组织"), method="filter_has_organization")

    class Meta:
        model = Unit
        fields = ["q", "region", "kind", "is_two_new", "has_organization"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(credit_code__startswith=normalize_uscc(value)))

    def filter_has_organization(self, queryset, name, value):
        if value is None:
            return queryset
        standing = Organization.objects.filter(unit=OuterRef("pk")).exclude(status=OrganizationStatus.DISSOLVED)
        return queryset.filter(Exists(standing)) if value else queryset.exclude(Exists(standing))


class CampaignFilter(django_filters.FilterSet):
    """year, is_open."""

    year = django_filters.NumberFilter(label=_("年度"), **YEAR_RANGE)
    is_open = yes_no_filter(_("进行中"))

    class Meta:
        model = Campaign
        fields = ["year", "is_open"]
