from rest_framework import serializers

from ..models import Region


class RegionSerializer(serializers.ModelSerializer):
    """A region as the API shows it: the parent by code, the full name path."""

    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # null: a province
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
