from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from ..filters import RegionFilter
from ..models import Region
from .base import ScopedViewSetMixin
from .serializers import RegionSerializer


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
