"""Serializers of organizations and their parts (read), and of the writes the API accepts."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orgs.homes.api import HomeSerializer
from orgs.homes.models import Home
from orgs.organizations.election import Candidate, Congress
from orgs.organizations.founding import NOMINATE, TRANSITIONS
from orgs.organizations.models import (
    Activity,
    ActivityAttachment,
    AffiliatedAssociation,
    AlumniLink,
    CadreContact,
    CadreContactLog,
    FoundingStep,
    LeaderPosition,
    LeadershipMember,
    Organization,
    OverseasAssociation,
    WechatGroup,
)
from orgs.organizations.network import cadre_choices, cadre_label, organization_wechat_rule, university_choices
from orgs.organizations.selectors import superior_choices
from orgs.organizations.services import allowed_transitions
from orgs.regions.models import Region
from orgs.units.models import Unit

if TYPE_CHECKING:  # pragma: no cover
    from django.contrib.auth.models import User


class CandidateSerializer(serializers.ModelSerializer):
    """领导机构候选人: as submitted (name, position, employment, is_returned_or_relative); read: `id` (to name in
    `elected`), and after the congress `elected_position` (blank: not elected)."""

    class Meta:
        model = Candidate
        fields = ["id", "name", "position", "employment", "is_returned_or_relative", "elected_position"]
        read_only_fields = ["id", "elected_position"]


class CongressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Congress
        fields = ["delegates_expected", "delegates_present"]


class FoundingStepSerializer(serializers.ModelSerializer):
    """A recorded step; `candidates` is the list a `submit_candidates` step submitted, `congress` the delegates of a
    `hold_congress` step (null otherwise)."""

    action_label = serializers.CharField(read_only=True)
    actor: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    document_url = serializers.SerializerMethodField()
    candidates = serializers.SerializerMethodField()
    congress = serializers.SerializerMethodField()

    class Meta:
        model = FoundingStep
        fields = ["id", "action", "action_label", "from_status", "to_status", "date", "actor", "note", "document_url",
                  "candidates", "congress", "created_at"]
        read_only_fields = fields

    def get_document_url(self, step) -> str | None:
        return reverse("organizations:step-document", args=[step.pk]) if step.document else None

    @extend_schema_field(serializers.ListField(child=CandidateSerializer(), allow_null=True))
    def get_candidates(self, step):
        if step.action != NOMINATE:
            return None
        return CandidateSerializer(step.candidates.all(), many=True).data

    @extend_schema_field(CongressSerializer(allow_null=True))
    def get_congress(self, step):
        congress = getattr(step, "congress", None) if step.action == "hold_congress" else None
        return CongressSerializer(congress).data if congress else None


class ElectedSerializer(serializers.Serializer):
    candidate = serializers.IntegerField(help_text=_("候选人 id（当前候选人名单中）"))
    position = serializers.ChoiceField(choices=LeaderPosition.choices, help_text=_("当选职务"))


class TransitionSerializer(serializers.Serializer):
    """One step of the founding procedure (multipart when a document is attached). `submit_candidates` carries
    `candidates`; `hold_congress` carries `delegates_present`, `delegates_expected` and `elected` (JSON): the
    service validates them like the pages' forms."""

    action = serializers.ChoiceField(choices=[(t.action, str(t.label)) for t in TRANSITIONS])
    date = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    document = serializers.FileField(required=False, allow_null=True)
    candidates = CandidateSerializer(many=True, required=False, help_text=_("候选人名单（仅 submit_candidates）"))
    delegates_expected = serializers.IntegerField(required=False, allow_null=True, min_value=1, help_text=_("应到代表（仅 hold_congress）"))
    delegates_present = serializers.IntegerField(required=False, allow_null=True, min_value=1, help_text=_("实到代表（仅 hold_congress）"))
    elected = ElectedSerializer(many=True, required=False, help_text=_("当选人员（仅 hold_congress）"))


class LeaderSerializer(serializers.ModelSerializer):
    """A member of the leading body; 专兼职 and 归侨侨眷 are said, not assumed (the service takes them as given)."""

    class Meta:
        model = LeadershipMember
        fields = ["id", "name", "position", "employment", "is_returned_or_relative", "term_start", "term_end"]
        extra_kwargs = {"employment": {"required": True}, "is_returned_or_relative": {"required": True}}


class ActivityAttachmentSerializer(serializers.ModelSerializer):
    """An activity's attachment: send `file` (multipart; PDF, PNG/JPEG or Office); `download_url` serves it."""

    file = serializers.FileField(write_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ActivityAttachment
        fields = ["id", "name", "size", "file", "download_url", "created_at"]
        read_only_fields = ["name", "size", "created_at"]

    def get_download_url(self, attachment) -> str:
        organization_id = attachment.activity.organization_id
        return reverse("api:organization-attachment-download", args=[organization_id, attachment.activity_id, attachment.pk])


class ActivitySerializer(serializers.ModelSerializer):
    """An activity; `attachment` (multipart) is a first file: a PDF, image or Office file (more through
    `…/activities/{activity_id}/attachments/`)."""

    attachment = serializers.FileField(required=False, allow_null=True, write_only=True)
    has_attachment = serializers.SerializerMethodField()
    attachments = ActivityAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "duty", "title", "held_on", "participants", "description", "visits_left_behind_children",
                  "visits_empty_nest_elderly", "attachment", "has_attachment", "attachments"]

    def get_has_attachment(self, activity) -> bool:
        return bool(activity.attachments.all())


class WechatGroupSerializer(serializers.ModelSerializer):
    """A 地缘性微信群 (Jiangxi 14). Its tier is the organization's (see the organization's `wechat_rule`); `warning`
    (in the answer to adding one) says when the clause does not call for groups on that tier there."""

    warning = serializers.SerializerMethodField()

    class Meta:
        model = WechatGroup
        fields = ["id", "kind", "name", "member_count", "counted_on", "warning"]

    def get_warning(self, group) -> str | None:
        return self.context.get("warning")


class AffiliatedAssociationSerializer(serializers.ModelSerializer):
    """1+N: a 涉侨社团 the organization leads."""

    class Meta:
        model = AffiliatedAssociation
        fields = ["id", "kind", "name", "since"]


class OverseasAssociationSerializer(serializers.ModelSerializer):
    """1+Y: an overseas association paired with the organization."""

    class Meta:
        model = OverseasAssociation
        fields = ["id", "country", "name", "since"]


class AlumniLinkSerializer(serializers.ModelSerializer):
    """地方侨联+高校侨联+校友会: `university_federation` is the id of a 高校侨联 the caller sees (or of a region above)."""

    university_federation = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none())
    university_federation_name = serializers.CharField(source="university_federation.name", read_only=True)

    class Meta:
        model = AlumniLink
        fields = ["id", "university_federation", "university_federation_name", "alumni_association", "since"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["university_federation"].queryset = university_choices(request.user)
        return fields


class CadreContactSerializer(serializers.ModelSerializer):
    """干部联系点 (Jiangxi 12): `cadre` is the user name of a staff member or county official of the organization's
    region or a region above it; only `since` changes afterwards."""

    cadre: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.none())
    cadre_name = serializers.SerializerMethodField()
    log_count = serializers.SerializerMethodField()

    class Meta:
        model = CadreContact
        fields = ["id", "cadre", "cadre_name", "since", "log_count"]

    def get_fields(self):
        fields = super().get_fields()
        organization = self.context.get("organization")
        if organization is not None:
            fields["cadre"].queryset = cadre_choices(organization)
        if self.instance is not None and not isinstance(self.instance, list):
            fields["cadre"].read_only = True
        return fields

    def get_cadre_name(self, contact) -> str:
        return cadre_label(contact.cadre)

    def get_log_count(self, contact) -> int:
        return len(contact.logs.all())


class CadreContactLogSerializer(serializers.ModelSerializer):
    """One contact of the cadre with the organization (联系记录)."""

    recorded_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CadreContactLog
        fields = ["id", "date", "way", "note", "recorded_by", "created_at"]
        read_only_fields = ["recorded_by", "created_at"]


class WechatRuleSerializer(serializers.Serializer):
    """What Jiangxi 14 asks of the organization's WeChat groups."""

    tier = serializers.CharField(allow_null=True)
    in_qiaoxiang = serializers.BooleanField()
    groups_required = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField())
    missing = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()


class OrganizationSerializer(serializers.ModelSerializer):
    """An organization; `status` changes only through `POST …/steps/`."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    region_path = serializers.CharField(source="region.path", read_only=True)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)
    superior = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False, allow_null=True)
    covered_regions = serializers.SlugRelatedField(slug_field="code", many=True, queryset=Region.objects.all(), required=False)
    home_standing = serializers.SerializerMethodField()
    planned_on = serializers.DateField(write_only=True, required=False, help_text=_("列入成立计划的日期（创建时）"))
    note = serializers.CharField(write_only=True, required=False, allow_blank=True, help_text=_("说明（创建时）"))

    class Meta:
        model = Organization
        fields = [
            "id", "name", "kind", "kind_display", "status", "status_display", "region", "region_path", "unit",
            "superior", "covered_regions", "founded_on", "budget_funded", "budget_amount", "responsible_leader",
            "responsible_leader_is_returned", "daily_affairs_cadre", "daily_affairs_cadre_is_returned", "home_standing",
            "planned_on", "note",
        ]
        read_only_fields = ["status", "founded_on"]

    def get_home_standing(self, organization) -> str:
        try:
            return organization.home.standing
        except Home.DoesNotExist:
            return "not_assessed"

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            # As the pages' forms: units the caller may change, superiors the caller may name (an id outside
            # that is "does not exist", never a message naming another county's unit or organization).
            fields["unit"].queryset = Unit.objects.editable_by(request.user)
            fields["superior"].queryset = superior_choices(request.user)
        if self.instance is not None and not isinstance(self.instance, list):
            # kind, place and unit are fixed once an organization exists
            for name in ("kind", "region", "unit", "covered_regions", "planned_on", "note"):
                fields[name].read_only = True
        return fields


class OrganizationDetailSerializer(OrganizationSerializer):
    """One organization with its parts and the next steps the caller may take."""

    home = serializers.SerializerMethodField()
    leaders = LeaderSerializer(many=True, read_only=True)
    wechat_groups = WechatGroupSerializer(many=True, read_only=True)
    affiliated_associations = AffiliatedAssociationSerializer(many=True, read_only=True)
    overseas_associations = OverseasAssociationSerializer(many=True, read_only=True)
    alumni_links = AlumniLinkSerializer(many=True, read_only=True)
    cadre_contacts = CadreContactSerializer(many=True, read_only=True)
    wechat_rule = serializers.SerializerMethodField()
    next_steps = serializers.SerializerMethodField()

    class Meta(OrganizationSerializer.Meta):
        fields = [*OrganizationSerializer.Meta.fields, "home", "leaders", "wechat_groups", "wechat_rule",
                  "affiliated_associations", "overseas_associations", "alumni_links", "cadre_contacts", "next_steps"]

    @extend_schema_field(WechatRuleSerializer)
    def get_wechat_rule(self, organization):
        rule = organization_wechat_rule(organization)
        return {"tier": rule.tier, "in_qiaoxiang": rule.in_qiaoxiang, "groups_required": rule.required, "counts": rule.counts,
                "missing": [str(label) for label in rule.missing], "reason": rule.reason}

    @extend_schema_field(HomeSerializer(allow_null=True))
    def get_home(self, organization):
        try:
            return HomeSerializer(organization.home).data
        except Home.DoesNotExist:
            return None

    @extend_schema_field(serializers.ListField(child=serializers.DictField(child=serializers.CharField())))
    def get_next_steps(self, organization):

        request = self.context.get("request")
        if request is None:
            return []
        return [{"action": t.action, "label": str(t.label)} for t in allowed_transitions(request.user, organization)]
