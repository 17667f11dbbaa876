"""Regions API (`/api/regions/`, read-only, scoped) and the region fields and parameters other APIs take."""
from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from orgs.access.api import ScopedRelatedMixin, ScopedViewSetMixin
from orgs.regions.filters import RegionFilter
from orgs.regions.models import Region


class RegionSerializer(serializers.ModelSerializer):
    """A region as the API shows it: the parent by code, the full name path."""

    parent: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(  # type: ignore[assignment]  # DRF's metaclass pops declared fields: Field.parent is not shadowed
        slug_field="code", read_only=True, allow_null=True  # null: a province
    )
    path = serializers.CharField(read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Region
        fields = [
            "code", "name", "level", "level_display", "kind", "kind_display", "parent",
            "is_key_area", "path", "longitude", "latitude",
        ]
        read_only_fields = fields


class RegionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """行政区划: the regions in the caller's scope. Look up by code."""

    queryset = Region.objects.select_related("parent").order_by("tree_id", "lft")
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"
    lookup_value_regex = r"\d{6,12}"

    @extend_schema(responses=RegionSerializer(many=True))
    @action(detail=True)
    def children(self, request, code=None, **kwargs):  # kwargs: the format suffix (.json)
        """The visible children of a region (the list filters apply to the children, not to the region)."""
        region = get_object_or_404(self.get_queryset(), code=code)
        self.check_object_permissions(request, region)
        children = self.filter_queryset(self.get_queryset().filter(parent=region))  # the documented filters apply
        page = self.paginate_queryset(children)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses=RegionSerializer(many=True))
    @action(detail=True, pagination_class=None, filter_backends=[])  # a short path: never paged, not filtered
    def ancestors(self, request, code=None, **kwargs):
        """The visible ancestors of a region, top down."""
        region = self.get_object()
        ancestors = region.get_ancestors().visible_to(request.user).select_related("parent")
        return Response(self.get_serializer(ancestors, many=True).data)


class EditableRegionField(ScopedRelatedMixin, serializers.SlugRelatedField):
    """A region given by its code, which must lie in the caller's editable scope."""

    default_error_messages = {
        "does_not_exist": _("区划代码“{value}”不存在或不在您的管辖范围内"),
        "invalid": _("区划代码无效"),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Region.objects.all())
        super().__init__(slug_field="code", **kwargs)


class RegionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "full_name", "level"]
        read_only_fields = fields


def _visible_region_or_404(viewset, code: str) -> Region:
    region = viewset.get_queryset().filter(code=code).first()
    if region is None:
        raise Http404
    return region


def _region_param(viewset, request) -> Region:
    """The visible region named by the required `region` query parameter (a 400 without it, a 404 outside scope)."""
    code = request.query_params.get("region", "").strip()
    if not code:
        raise serializers.ValidationError({"region": [_("请提供区划代码")]})
    return _visible_region_or_404(viewset, code)
