"""Serializers of 侨胞之家 (its type, unit, online address), its 五有 assessments (how each criterion was reached and who
supported it) and designations (with their level), shown inside an organization's API detail."""
from __future__ import annotations

from rest_framework import serializers

from orgs.homes.models import Home, HomeAssessment, HomeDesignation


class HomeAssessmentSerializer(serializers.ModelSerializer):
    standing = serializers.CharField(read_only=True)

    class Meta:
        model = HomeAssessment
        fields = ["id", "assessed_on",
                  *(f"{prefix}{key}{suffix}" for key in ("organization", "team", "funding", "venue", "activities")
                    for prefix, suffix in (("has_", ""), ("", "_evidence"), ("", "_approach"), ("", "_supporters"))),
                  "standing"]
        read_only_fields = fields


class DesignationSerializer(serializers.ModelSerializer):
    class Meta:
        model = HomeDesignation
        fields = ["kind", "level", "awarded_on", "awarded_by"]
        read_only_fields = fields


class HomeSerializer(serializers.ModelSerializer):
    assessments = HomeAssessmentSerializer(many=True, read_only=True)
    designations = DesignationSerializer(many=True, read_only=True)

    class Meta:
        model = Home
        fields = ["name", "kind", "address", "unit", "online_address", "area_sqm", "opened_on", "standing", "assessments",
                  "designations"]
        read_only_fields = fields
