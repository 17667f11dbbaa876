from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
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
    def children(self, request, code=None):
        """The visible children of a region."""
        region = self.get_object()
        children = self.get_queryset().filter(parent=region)
        page = self.paginate_queryset(children)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses=RegionSerializer(many=True))
    @action(detail=True)
    def ancestors(self, request, code=None):
        """The visible ancestors of a region, top down."""
        region = self.get_object()
        ancestors = region.get_ancestors().visible_to(request.user).select_related("parent")
        return Response(self.get_serializer(ancestors, many=True).data)
