"""Trainings and volunteers API: `/api/trainings/` (filters year, region subtree of the organiser, topic, organizer;
writes through the services), a training's attendance `…/{id}/attendances/` (GET, POST) and
`…/{id}/attendances/{attendance_id}/` (DELETE); `/api/volunteers/` (filter organization), the volunteer register,
whose phone is written in full and read masked. Scoped by `ScopedViewSetMixin`: outside the scope a 404."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from orgs.access.api import ScopedRelatedMixin, ScopedViewSetMixin, as_drf_error
from orgs.organizations.models import LeadershipMember, Organization
from orgs.training.filters import TrainingFilter
from orgs.training.models import AttendeeRole, Training, TrainingAttendance, Volunteer
from orgs.training.services import (
    attendance_add,
    attendance_remove,
    training_create,
    training_remove,
    training_update,
    volunteer_add,
    volunteer_remove,
    volunteer_update,
)

ATTENDANCE_ID = OpenApiParameter("attendance_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="id of the attendance")


class EditableOrganizationField(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField):
    """An organization the caller may change (else refused like a missing one)."""


class EditableLeaderField(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField):
    pass


class EditableVolunteerField(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField):
    pass


class TrainingSerializer(serializers.ModelSerializer):
    organizer = EditableOrganizationField(queryset=Organization.objects.all())
    organizer_name = serializers.CharField(source="organizer.name", read_only=True)
    attendees = serializers.IntegerField(read_only=True)

    class Meta:
        model = Training
        fields = ["id", "organizer", "organizer_name", "held_on", "topic", "hours", "place", "note", "attendees"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:  # the organiser stays once recorded
            fields["organizer"].read_only = True
        return fields


class AttendanceSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=AttendeeRole.choices)
    leader = EditableLeaderField(queryset=LeadershipMember.objects.all(), required=False, allow_null=True)
    volunteer = EditableVolunteerField(queryset=Volunteer.objects.all(), required=False, allow_null=True)
    organization = EditableOrganizationField(queryset=Organization.objects.all(), required=False, allow_null=True)
    name = serializers.CharField(max_length=64, required=False, allow_blank=True)

    class Meta:
        model = TrainingAttendance
        fields = ["id", "role", "leader", "volunteer", "name", "organization"]


class VolunteerSerializer(serializers.ModelSerializer):
    organization = EditableOrganizationField(queryset=Organization.objects.all())
    phone = serializers.CharField(max_length=24, required=False, allow_blank=True, write_only=True)
    phone_masked = serializers.CharField(read_only=True)

    class Meta:
        model = Volunteer
        fields = ["id", "organization", "name", "phone", "phone_masked", "is_returned_or_relative", "skills",
                  "joined_on", "active"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["organization"].read_only = True
        return fields


def _write(call):
    try:
        return call()
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


class TrainingViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """培训 in the caller's scope (by the organiser's region)."""

    queryset = Training.objects.select_related("organizer").annotate(attendees=Count("attendances")).order_by("-held_on", "-pk")
    serializer_class = TrainingSerializer
    filterset_class = TrainingFilter

    def perform_create(self, serializer):
        serializer.instance = _write(lambda: training_create(actor=self.request.user, **serializer.validated_data))
        serializer.instance.attendees = 0

    def perform_update(self, serializer):
        training = serializer.instance
        data = {name: serializer.validated_data.get(name, getattr(training, name))
                for name in ("held_on", "topic", "hours", "place", "note")}
        attendees = getattr(training, "attendees", 0)
        serializer.instance = _write(lambda: training_update(training=training, actor=self.request.user, **data))
        serializer.instance.attendees = attendees

    def perform_destroy(self, instance):
        _write(lambda: training_remove(training=instance, actor=self.request.user))

    @extend_schema(request=AttendanceSerializer, responses={200: AttendanceSerializer(many=True), 201: AttendanceSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def attendances(self, request, pk=None, **kwargs):
        """The training's attendance (GET), or one more attendee (POST: role and leader, volunteer or name)."""
        training = self.get_object()
        if request.method == "GET":
            rows = training.attendances.order_by("role", "name", "pk")
            return Response(AttendanceSerializer(rows, many=True, context={"request": request}).data)
        payload = AttendanceSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        created = _write(lambda: attendance_add(training=training, actor=request.user, **payload.validated_data))
        return Response(AttendanceSerializer(created, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ATTENDANCE_ID], request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"attendances/(?P<attendance_id>\d+)", url_name="attendance",
            pagination_class=None, filter_backends=[])
    def attendance(self, request, pk=None, attendance_id=None, **kwargs):
        """Removes one attendee of the training."""
        training = self.get_object()
        row = get_object_or_404(TrainingAttendance.objects.filter(training=training), pk=attendance_id)
        _write(lambda: attendance_remove(attendance=row, actor=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class VolunteerViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """侨联志愿者 in the caller's scope; `?organization=<id>` narrows to one register."""

    queryset = Volunteer.objects.select_related("organization").order_by("organization_id", "-active", "name", "pk")
    serializer_class = VolunteerSerializer
    filterset_fields = ["organization", "active"]

    def perform_create(self, serializer):
        serializer.instance = _write(lambda: volunteer_add(actor=self.request.user, **serializer.validated_data))

    def perform_update(self, serializer):
        volunteer = serializer.instance
        data = {name: serializer.validated_data.get(name, getattr(volunteer, name))
                for name in ("name", "phone", "is_returned_or_relative", "skills", "joined_on", "active")}
        serializer.instance = _write(lambda: volunteer_update(volunteer=volunteer, actor=self.request.user, **data))

    def perform_destroy(self, instance):
        _write(lambda: volunteer_remove(volunteer=instance, actor=self.request.user))
