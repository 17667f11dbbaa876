"""Serializers of 侨胞之家, its 五有 assessments and designations (shown inside an organization's API detail)."""
from __future__ import annotations

from rest_framework import serializers

from orgs.homes.models import Home, HomeAssessment, HomeDesignation


class AssessmentSerializer(serializers.ModelSerializer):
    standing = serializers.CharField(read_only=True)

    class Meta:
        model = HomeAssessment
        fields = ["id", "assessed_on", "has_organization", "organization_evidence", "has_team", "team_evidence",
                  "has_funding", "funding_evidence", "has_venue", "venue_evidence", "has_activities",
                  "activities_evidence", "standing"]
        read_only_fields = fields


class DesignationSerializer(serializers.ModelSerializer):
    class Meta:
        model = HomeDesignation
        fields = ["kind", "awarded_on", "awarded_by"]
        read_only_fields = fields


class HomeSerializer(serializers.ModelSerializer):
    assessments = AssessmentSerializer(many=True, read_only=True)
    designations = DesignationSerializer(many=True, read_only=True)

    class Meta:
        model = Home
        fields = ["name", "address", "area_sqm", "opened_on", "standing", "assessments", "designations"]
        read_only_fields = fields
