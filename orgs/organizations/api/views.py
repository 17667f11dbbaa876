"""Organizations API: `/api/organizations/` (filters kind, status, region subtree, home_standing, q), one
organization with its parts, and the nested founding steps (`GET/POST /api/organizations/{id}/steps/`),
leaders and activities. Status changes only by posting a step.

The organization's network is kept through nested routes, each writing through its service in
`orgs.organizations.network`: `…/{id}/wechat-groups/`, `…/affiliated-associations/`, `…/overseas-associations/`,
`…/alumni-links/`, `…/cadre-contacts/` (GET, POST) and `…/{collection}/{part_id}/` (GET, PUT, PATCH, DELETE);
a contact's log `…/cadre-contacts/{part_id}/logs/[{log_id}/]` and an activity's attachments
`…/activities/{part_id}/attachments/[{attachment_id}/[download/]]`. The organization is looked up in the caller's
scope (writes: where the caller may write), and a part of another organization is a 404 like a missing one."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from orgs.access.api import ScopedViewSetMixin, as_drf_error
from orgs.common.documents import DOCUMENT_MEDIA_TYPES
from orgs.common.parsers import FormParser, JSONParser, MultiPartParser
from orgs.organizations.api.serializers import (
    ActivityAttachmentSerializer,
    ActivitySerializer,
    AffiliatedAssociationSerializer,
    AlumniLinkSerializer,
    CadreContactLogSerializer,
    CadreContactSerializer,
    FoundingStepSerializer,
    LeaderSerializer,
    OrganizationDetailSerializer,
    OrganizationSerializer,
    OverseasAssociationSerializer,
    TransitionSerializer,
    WechatGroupSerializer,
)
from orgs.organizations.filters import OrganizationFilter
from orgs.organizations.models import ActivityAttachment, CadreContactLog, Organization
from orgs.organizations.network import (
    activity_attachment_add,
    activity_attachment_remove,
    affiliated_association_add,
    affiliated_association_remove,
    affiliated_association_update,
    alumni_link_add,
    alumni_link_remove,
    alumni_link_update,
    cadre_contact_add,
    cadre_contact_remove,
    cadre_contact_update,
    contact_log_add,
    contact_log_remove,
    overseas_association_add,
    overseas_association_remove,
    overseas_association_update,
    wechat_group_add,
    wechat_group_remove,
    wechat_group_update,
    wechat_group_warning,
)
from orgs.organizations.services import (
    activity_create,
    leader_add,
    organization_create,
    organization_transition,
    organization_update,
)

PART_ID = OpenApiParameter("part_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="id of the part")
LOG_ID = OpenApiParameter("log_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="id of the log entry")
ATTACHMENT_ID = OpenApiParameter("attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="id of the attachment")


class OrganizationViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, viewsets.GenericViewSet,
):
    """侨联组织 in the caller's scope. Created in `planned`; the status moves only by `POST …/steps/`."""

    queryset = (
        Organization.objects.select_related("region", "home")
        .prefetch_related("covered_regions")
        .order_by("region__tree_id", "region__lft", "kind", "name", "pk")
    )
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return OrganizationDetailSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                "leaders", "wechat_groups", "affiliated_associations", "overseas_associations",
                "alumni_links__university_federation", "cadre_contacts__cadre", "cadre_contacts__logs",
                "home__assessments", "home__designations",
            )
        return queryset

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        try:
            serializer.instance = organization_create(actor=self.request.user, **data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None

    def perform_update(self, serializer):
        try:
            serializer.instance = organization_update(
                organization=serializer.instance, actor=self.request.user, **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None

    def _list_or_add(self, request, listing, serializer_class, read_serializer_class, add):
        """A nested collection of the organization: GET lists `listing(organization)`; POST validates with
        `serializer_class`, writes through `add(organization, **data)` (a service) and answers 201."""
        organization = self.get_object()
        if request.method == "GET":
            return Response(read_serializer_class(listing(organization), many=True).data)
        payload = serializer_class(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            created = add(organization, **payload.validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(read_serializer_class(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TransitionSerializer, responses={200: FoundingStepSerializer(many=True), 201: FoundingStepSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def steps(self, request, pk=None, **kwargs):
        """The founding steps recorded (GET), or one more step (POST: action, date, note, document)."""
        return self._list_or_add(
            request,
            lambda organization: organization.steps.select_related("actor", "congress").prefetch_related("candidates").order_by("date", "pk"),
            TransitionSerializer, FoundingStepSerializer,
            lambda organization, **data: organization_transition(organization=organization, actor=request.user, **data),
        )

    @extend_schema(request=LeaderSerializer, responses={200: LeaderSerializer(many=True), 201: LeaderSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def leaders(self, request, pk=None, **kwargs):
        """The leading body (GET), or one more member (POST)."""
        return self._list_or_add(
            request, lambda organization: organization.leaders.all(), LeaderSerializer, LeaderSerializer,
            lambda organization, **data: leader_add(organization=organization, actor=request.user, **data),
        )

    @extend_schema(request=ActivitySerializer, responses={200: ActivitySerializer(many=True), 201: ActivitySerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def activities(self, request, pk=None, **kwargs):
        """The activities logged (GET), or one more (POST)."""
        return self._list_or_add(
            request, lambda organization: organization.activities.order_by("-held_on", "-pk").prefetch_related("attachments"),
            ActivitySerializer, ActivitySerializer,
            lambda organization, **data: activity_create(organization=organization, actor=request.user, **data),
        )

    # ---- the organization's network --------------------------------------------------------------------------

    def _parts(self, request, listing, serializer_class, add, *, parent=None, after_add=None):
        """A collection of the organization (or of its contact / activity `parent(organization)`): GET lists it,
        POST adds one through the service `add(organization_or_parent, **data)` and answers 201 (with the serializer
        context extended by `after_add(organization)`)."""
        organization = self.get_object()
        owner = parent(organization) if parent else organization
        context = {"request": request, "organization": organization}
        if request.method == "GET":
            return Response(serializer_class(listing(owner), many=True, context=context).data)
        payload = serializer_class(data=request.data, context=context)
        payload.is_valid(raise_exception=True)
        try:
            created = add(owner, **payload.validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        if after_add is not None:
            context.update(after_add(organization))
        return Response(serializer_class(created, context=context).data, status=status.HTTP_201_CREATED)

    def _part(self, request, rows, serializer_class, *, update=None, remove=None):
        """One part `rows(organization)` narrows to: GET, PUT / PATCH through `update(row, **data)`, DELETE
        through `remove(row)`; a part of another organization is a 404."""
        organization = self.get_object()
        row = get_object_or_404(rows(organization))
        context = {"request": request, "organization": organization}
        try:
            if request.method == "DELETE" and remove is not None:
                remove(row)
                return Response(status=status.HTTP_204_NO_CONTENT)
            if request.method in ("PUT", "PATCH") and update is not None:
                payload = serializer_class(row, data=request.data, partial=request.method == "PATCH", context=context)
                payload.is_valid(raise_exception=True)
                row = update(row, **payload.validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(serializer_class(row, context=context).data)

    def _actor(self) -> dict:
        return {"actor": self.request.user}

    @extend_schema(request=WechatGroupSerializer, responses={200: WechatGroupSerializer(many=True), 201: WechatGroupSerializer})
    @action(detail=True, methods=["get", "post"], url_path="wechat-groups", pagination_class=None, filter_backends=[])
    def wechat_groups(self, request, pk=None, **kwargs):
        """地缘性微信群 (GET), or one more (POST): refused for an organization that is not a 村级、镇级、县级侨联
        (Jiangxi 14); on a tier the clause does not call for in its place it is kept, and `warning` says so."""
        return self._parts(
            request, lambda o: o.wechat_groups.order_by("kind", "pk"), WechatGroupSerializer,
            lambda o, **data: wechat_group_add(organization=o, **self._actor(), **data),
            after_add=lambda o: {"warning": wechat_group_warning(o)},
        )

    @extend_schema(request=WechatGroupSerializer, responses={200: WechatGroupSerializer, 204: None}, parameters=[PART_ID])
    @action(detail=True, methods=["get", "put", "patch", "delete"], url_path=r"wechat-groups/(?P<part_id>[0-9]+)",
            url_name="wechat-group", pagination_class=None, filter_backends=[])
    def wechat_group(self, request, pk=None, part_id=None, **kwargs):
        """One WeChat group: read, change (PUT / PATCH) or remove (DELETE)."""
        return self._part(
            request, lambda o: o.wechat_groups.filter(pk=part_id), WechatGroupSerializer,
            update=lambda row, **data: wechat_group_update(group=row, **self._actor(), **data),
            remove=lambda row: wechat_group_remove(group=row, **self._actor()),
        )

    @extend_schema(request=AffiliatedAssociationSerializer,
                   responses={200: AffiliatedAssociationSerializer(many=True), 201: AffiliatedAssociationSerializer})
    @action(detail=True, methods=["get", "post"], url_path="affiliated-associations", pagination_class=None, filter_backends=[])
    def affiliated_associations(self, request, pk=None, **kwargs):
        """1+N 涉侨社团 (GET), or one more (POST)."""
        return self._parts(
            request, lambda o: o.affiliated_associations.order_by("kind", "pk"), AffiliatedAssociationSerializer,
            lambda o, **data: affiliated_association_add(organization=o, **self._actor(), **data),
        )

    @extend_schema(request=AffiliatedAssociationSerializer, responses={200: AffiliatedAssociationSerializer, 204: None},
                   parameters=[PART_ID])
    @action(detail=True, methods=["get", "put", "patch", "delete"], url_path=r"affiliated-associations/(?P<part_id>[0-9]+)",
            url_name="affiliated-association", pagination_class=None, filter_backends=[])
    def affiliated_association(self, request, pk=None, part_id=None, **kwargs):
        """One 1+N association: read, change or remove."""
        return self._part(
            request, lambda o: o.affiliated_associations.filter(pk=part_id), AffiliatedAssociationSerializer,
            update=lambda row, **data: affiliated_association_update(association=row, **self._actor(), **data),
            remove=lambda row: affiliated_association_remove(association=row, **self._actor()),
        )

    @extend_schema(request=OverseasAssociationSerializer,
                   responses={200: OverseasAssociationSerializer(many=True), 201: OverseasAssociationSerializer})
    @action(detail=True, methods=["get", "post"], url_path="overseas-associations", pagination_class=None, filter_backends=[])
    def overseas_associations(self, request, pk=None, **kwargs):
        """1+Y 海外社团 (GET), or one more (POST)."""
        return self._parts(
            request, lambda o: o.overseas_associations.order_by("country", "pk"), OverseasAssociationSerializer,
            lambda o, **data: overseas_association_add(organization=o, **self._actor(), **data),
        )

    @extend_schema(request=OverseasAssociationSerializer, responses={200: OverseasAssociationSerializer, 204: None},
                   parameters=[PART_ID])
    @action(detail=True, methods=["get", "put", "patch", "delete"], url_path=r"overseas-associations/(?P<part_id>[0-9]+)",
            url_name="overseas-association", pagination_class=None, filter_backends=[])
    def overseas_association(self, request, pk=None, part_id=None, **kwargs):
        """One 1+Y association: read, change or remove."""
        return self._part(
            request, lambda o: o.overseas_associations.filter(pk=part_id), OverseasAssociationSerializer,
            update=lambda row, **data: overseas_association_update(association=row, **self._actor(), **data),
            remove=lambda row: overseas_association_remove(association=row, **self._actor()),
        )

    @extend_schema(request=AlumniLinkSerializer, responses={200: AlumniLinkSerializer(many=True), 201: AlumniLinkSerializer})
    @action(detail=True, methods=["get", "post"], url_path="alumni-links", pagination_class=None, filter_backends=[])
    def alumni_links(self, request, pk=None, **kwargs):
        """地方侨联+高校侨联+校友会 (GET), or one more (POST)."""
        return self._parts(
            request, lambda o: o.alumni_links.select_related("university_federation").order_by("pk"), AlumniLinkSerializer,
            lambda o, **data: alumni_link_add(organization=o, **self._actor(), **data),
        )

    @extend_schema(request=AlumniLinkSerializer, responses={200: AlumniLinkSerializer, 204: None}, parameters=[PART_ID])
    @action(detail=True, methods=["get", "put", "patch", "delete"], url_path=r"alumni-links/(?P<part_id>[0-9]+)",
            url_name="alumni-link", pagination_class=None, filter_backends=[])
    def alumni_link(self, request, pk=None, part_id=None, **kwargs):
        """One alumni link: read, change or remove."""
        return self._part(
            request, lambda o: o.alumni_links.select_related("university_federation").filter(pk=part_id), AlumniLinkSerializer,
            update=lambda row, **data: alumni_link_update(link=row, **self._actor(), **data),
            remove=lambda row: alumni_link_remove(link=row, **self._actor()),
        )

    @extend_schema(request=CadreContactSerializer, responses={200: CadreContactSerializer(many=True), 201: CadreContactSerializer})
    @action(detail=True, methods=["get", "post"], url_path="cadre-contacts", pagination_class=None, filter_backends=[])
    def cadre_contacts(self, request, pk=None, **kwargs):
        """干部联系点 (GET), or one more (POST: cadre by user name, since)."""
        return self._parts(
            request, lambda o: o.cadre_contacts.select_related("cadre").prefetch_related("logs").order_by("since", "pk"),
            CadreContactSerializer, lambda o, **data: cadre_contact_add(organization=o, **self._actor(), **data),
        )

    @extend_schema(request=CadreContactSerializer, responses={200: CadreContactSerializer, 204: None}, parameters=[PART_ID])
    @action(detail=True, methods=["get", "put", "patch", "delete"], url_path=r"cadre-contacts/(?P<part_id>[0-9]+)",
            url_name="cadre-contact", pagination_class=None, filter_backends=[])
    def cadre_contact(self, request, pk=None, part_id=None, **kwargs):
        """One contact point: read, change its start date, or end it (DELETE, with its log)."""
        return self._part(
            request, lambda o: o.cadre_contacts.select_related("cadre").prefetch_related("logs").filter(pk=part_id),
            CadreContactSerializer,
            update=lambda row, **data: cadre_contact_update(contact=row, **self._actor(), **data),
            remove=lambda row: cadre_contact_remove(contact=row, **self._actor()),
        )

    def _contact(self, organization, part_id):
        return get_object_or_404(organization.cadre_contacts.select_related("organization__region"), pk=part_id)

    @extend_schema(request=CadreContactLogSerializer,
                   responses={200: CadreContactLogSerializer(many=True), 201: CadreContactLogSerializer}, parameters=[PART_ID])
    @action(detail=True, methods=["get", "post"], url_path=r"cadre-contacts/(?P<part_id>[0-9]+)/logs",
            url_name="contact-logs", pagination_class=None, filter_backends=[])
    def contact_logs(self, request, pk=None, part_id=None, **kwargs):
        """The contact point's log (GET), or one more contact (POST: date, way, note)."""
        return self._parts(
            request, lambda contact: contact.logs.select_related("recorded_by").order_by("-date", "-pk"),
            CadreContactLogSerializer, lambda contact, **data: contact_log_add(contact=contact, **self._actor(), **data),
            parent=lambda o: self._contact(o, part_id),
        )

    @extend_schema(responses={200: CadreContactLogSerializer, 204: None}, parameters=[PART_ID, LOG_ID])
    @action(detail=True, methods=["get", "delete"], url_path=r"cadre-contacts/(?P<part_id>[0-9]+)/logs/(?P<log_id>[0-9]+)",
            url_name="contact-log", pagination_class=None, filter_backends=[])
    def contact_log(self, request, pk=None, part_id=None, log_id=None, **kwargs):
        """One entry of the log: read or remove."""
        return self._part(
            request, lambda o: CadreContactLog.objects.select_related("contact__organization__region", "recorded_by").filter(
                contact__organization=o, contact_id=part_id, pk=log_id),
            CadreContactLogSerializer, remove=lambda row: contact_log_remove(log=row, **self._actor()),
        )

    def _activity(self, organization, part_id):
        return get_object_or_404(organization.activities.select_related("organization__region"), pk=part_id)

    def _attachments(self, organization, part_id, attachment_id):
        return ActivityAttachment.objects.select_related("activity__organization__region").filter(
            activity__organization=organization, activity_id=part_id, pk=attachment_id)

    @extend_schema(request={"multipart/form-data": ActivityAttachmentSerializer},
                   responses={200: ActivityAttachmentSerializer(many=True), 201: ActivityAttachmentSerializer}, parameters=[PART_ID])
    @action(detail=True, methods=["get", "post"], url_path=r"activities/(?P<part_id>[0-9]+)/attachments",
            url_name="attachments", pagination_class=None, filter_backends=[], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None, part_id=None, **kwargs):
        """The activity's attachments (GET), or one more (POST multipart: file)."""
        return self._parts(
            request, lambda activity: activity.attachments.select_related("activity").order_by("pk"), ActivityAttachmentSerializer,
            lambda activity, **data: activity_attachment_add(activity=activity, **self._actor(), **data),
            parent=lambda o: self._activity(o, part_id),
        )

    @extend_schema(responses={200: ActivityAttachmentSerializer, 204: None}, parameters=[PART_ID, ATTACHMENT_ID])
    @action(detail=True, methods=["get", "delete"], url_path=r"activities/(?P<part_id>[0-9]+)/attachments/(?P<attachment_id>[0-9]+)",
            url_name="attachment", pagination_class=None, filter_backends=[])
    def attachment(self, request, pk=None, part_id=None, attachment_id=None, **kwargs):
        """One attachment's facts (GET), or its removal (DELETE; the file goes with it)."""
        return self._part(
            request, lambda o: self._attachments(o, part_id, attachment_id), ActivityAttachmentSerializer,
            remove=lambda row: activity_attachment_remove(attachment=row, **self._actor()),
        )

    @extend_schema(responses={(200, media_type): OpenApiTypes.BINARY for media_type in DOCUMENT_MEDIA_TYPES}, parameters=[PART_ID, ATTACHMENT_ID])
    @action(detail=True, methods=["get"], url_path=r"activities/(?P<part_id>[0-9]+)/attachments/(?P<attachment_id>[0-9]+)/download",
            url_name="attachment-download", pagination_class=None, filter_backends=[])
    def attachment_download(self, request, pk=None, part_id=None, attachment_id=None, **kwargs):
        """The attachment's file."""
        attachment = get_object_or_404(self._attachments(self.get_object(), part_id, attachment_id))
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(handle, as_attachment=True, filename=attachment.name)
