"""Forms of the organization pages. They only collect and shape input; the services validate and write
(their ValidationErrors are put back on the form's fields by `apply_errors`). No form exposes `status`."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.access.scoping import user_scope
from orgs.common.documents import ALLOWED_SUFFIXES
from orgs.common.forms import DateInput
from orgs.organizations.founding import TRANSITIONS
from orgs.organizations.models import (
    ActivityDuty,
    AssociationKind,
    ContactWay,
    Employment,
    LeaderPosition,
    Organization,
    OrganizationKind,
    WechatGroupKind,
)
from orgs.organizations.network import cadre_choices, cadre_label, university_choices
from orgs.organizations.selectors import superior_choices
from orgs.organizations.services import EDITABLE_FIELDS, transition_label
from orgs.regions.models import Region
from orgs.regions.selectors import region_by_code
from orgs.units.models import Unit


def _region_by_code(code: str, field_label: str) -> Region:
    region = region_by_code(code.strip())
    if region is None:
        raise ValidationError(_("%(label)s：区划代码“%(code)s”不存在") % {"label": field_label, "code": code})
    return region


class OrganizationCreateForm(forms.Form):
    """发起成立: a new organization in `planned`. The region is a code (the gap page fills it in)."""

    name = forms.CharField(label=gettext_lazy("组织名称"), max_length=128)
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=OrganizationKind.choices)
    region = forms.CharField(label=gettext_lazy("所在区划代码"), max_length=12, help_text=gettext_lazy("如 530423（通海县）"))
    unit = forms.ModelChoiceField(label=gettext_lazy("所在单位"), queryset=Unit.objects.none(), required=False,
                                  help_text=gettext_lazy("机关、高校、企业侨联必填"))
    superior = forms.ModelChoiceField(label=gettext_lazy("上级组织"), queryset=Organization.objects.none(), required=False,
                                      help_text=gettext_lazy("不填时由上一级区划的侨联办理征求意见和备案"))
    covered_regions = forms.CharField(label=gettext_lazy("联合覆盖的区划代码"), required=False, max_length=400,
                                      help_text=gettext_lazy("仅跨区域联合侨联：以空格或逗号分隔"))
    planned_on = forms.DateField(label=gettext_lazy("列入计划日期"), widget=DateInput())
    note = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"].queryset = Unit.objects.editable_by(user).select_related("region").order_by("region__code", "name")
        self.fields["superior"].queryset = superior_choices(user).order_by("name")
        if not self.is_bound:
            self.initial.setdefault("planned_on", timezone.localdate())

    def clean_region(self) -> Region:
        region = _region_by_code(self.cleaned_data["region"], _("所在区划"))
        if not user_scope(self.user).edits_region(region):
            raise ValidationError(_("“%(region)s”不在您可以修改的辖区内") % {"region": region.path})
        return region

    def clean_covered_regions(self) -> list[Region]:
        codes = [c for c in self.cleaned_data["covered_regions"].replace(",", " ").replace("，", " ").split() if c]
        return [_region_by_code(code, _("联合覆盖的区划")) for code in codes]


class OrganizationEditForm(forms.ModelForm):
    """The facts of an organization (not its kind, place or status)."""

    class Meta:
        model = Organization
        fields = list(EDITABLE_FIELDS)  # exactly what `organization_update` accepts
        widgets = {"founded_on": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["superior"].queryset = superior_choices(user).exclude(pk=self.instance.pk).order_by("name")

    def _post_clean(self):
        # The service validates (with the same rules as the model); the form does not save by itself.
        pass


class TransitionForm(forms.Form):
    """One step of the founding procedure: only the steps this user may take now are offered."""

    action = forms.ChoiceField(label=gettext_lazy("办理步骤"), choices=())
    date = forms.DateField(label=gettext_lazy("日期"), widget=DateInput())
    note = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.FileField(
        label=gettext_lazy("附件"), required=False,
        help_text=gettext_lazy("PDF、图片或 Office 文件（%(types)s）") % {"types": " ".join(ALLOWED_SUFFIXES)},
    )

    def __init__(self, *args, transitions, bodies=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Any step of the table is accepted by the field (the service then says why it is refused); only
        # the steps this user may take now are offered, an answer named after its body ("玉溪市委统战部同意…"),
        # except the two steps that carry records, which have their own forms (CandidateListForm, CongressForm).
        self.fields["action"].choices = [(t.action, t.label) for t in TRANSITIONS if not t.payload]
        self.fields["action"].widget.choices = [("", _("请选择…"))] + [
            (t.action, transition_label(t, bodies)) for t in transitions if not t.payload
        ]
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())


class ActivityForm(forms.Form):
    duty = forms.ChoiceField(label=gettext_lazy("职责类别"), choices=ActivityDuty.choices)
    title = forms.CharField(label=gettext_lazy("活动名称"), max_length=128)
    held_on = forms.DateField(label=gettext_lazy("活动日期"), widget=DateInput())
    participants = forms.IntegerField(label=gettext_lazy("参加人数"), min_value=0, max_value=100000, initial=0)
    visits_left_behind_children = forms.BooleanField(label=gettext_lazy("走访慰问留守儿童"), required=False)
    visits_empty_nest_elderly = forms.BooleanField(label=gettext_lazy("走访慰问空巢老人"), required=False)
    description = forms.CharField(label=gettext_lazy("活动内容"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(label=gettext_lazy("附件"), required=False)


class LeaderForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=64)
    position = forms.ChoiceField(label=gettext_lazy("职务"), choices=LeaderPosition.choices)
    employment = forms.ChoiceField(label=gettext_lazy("专兼职"), choices=Employment.choices)
    is_returned_or_relative = forms.BooleanField(label=gettext_lazy("归侨侨眷"), required=False)
    term_start = forms.DateField(label=gettext_lazy("任期开始"), widget=DateInput())
    term_end = forms.DateField(label=gettext_lazy("任期届满"), widget=DateInput(), required=False)


# ---- the organization's network (services in `orgs.organizations.network`) ----------------------------------------


class PartForm(forms.Form):
    """A form of one part of an organization: its fields are the service's keywords. `organization` and `user`
    give the pickers their choices (the cadres of the organization's place, the universities the user may name)."""

    def __init__(self, *args, organization=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization, self.user = organization, user


class WechatGroupForm(PartForm):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=WechatGroupKind.choices)
    name = forms.CharField(label=gettext_lazy("群名称"), max_length=128)
    member_count = forms.IntegerField(label=gettext_lazy("成员数"), min_value=0, max_value=100000, initial=0)
    counted_on = forms.DateField(label=gettext_lazy("统计日期"), widget=DateInput(), required=False)


class AffiliatedAssociationForm(PartForm):
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=AssociationKind.choices)
    name = forms.CharField(label=gettext_lazy("社团名称"), max_length=128)
    since = forms.DateField(label=gettext_lazy("建立联系日期"), widget=DateInput(), required=False)


class OverseasAssociationForm(PartForm):
    country = forms.CharField(label=gettext_lazy("国家(地区)"), max_length=64)
    name = forms.CharField(label=gettext_lazy("社团名称"), max_length=128)
    since = forms.DateField(label=gettext_lazy("结对日期"), widget=DateInput(), required=False)


class AlumniLinkForm(PartForm):
    university_federation = forms.ModelChoiceField(label=gettext_lazy("高校侨联"), queryset=Organization.objects.none(),
                                                   help_text=gettext_lazy("您辖区内或上级区划的高校侨联"))
    alumni_association = forms.CharField(label=gettext_lazy("校友会"), max_length=128)
    since = forms.DateField(label=gettext_lazy("建立日期"), widget=DateInput(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["university_federation"].queryset = university_choices(self.user).order_by("name")


class CadreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{cadre_label(obj)}（{obj.get_username()}）"


class CadreContactForm(PartForm):
    cadre = CadreChoiceField(label=gettext_lazy("联系干部"), queryset=Organization.objects.none(),
                             help_text=gettext_lazy("本组织所在地或上级的侨联工作人员、县级统战/侨联干部"))
    since = forms.DateField(label=gettext_lazy("联系起始日期"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadre_choices(self.organization)
        if not self.is_bound:
            self.initial.setdefault("since", timezone.localdate())


class CadreContactEditForm(PartForm):
    """A contact point's start date (another cadre is another contact point)."""

    since = forms.DateField(label=gettext_lazy("联系起始日期"), widget=DateInput())


class ContactLogForm(PartForm):
    date = forms.DateField(label=gettext_lazy("联系日期"), widget=DateInput())
    way = forms.ChoiceField(label=gettext_lazy("联系方式"), choices=ContactWay.choices)
    note = forms.CharField(label=gettext_lazy("联系内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())


class AttachmentForm(PartForm):
    file = forms.FileField(
        label=gettext_lazy("附件"),
        help_text=gettext_lazy("PDF、图片或 Office 文件（%(types)s）") % {"types": " ".join(ALLOWED_SUFFIXES)},
    )


# ---- the two founding steps that carry records (Yuxi plan 三(一)) ---------------------------------------------------


class _StepFields(forms.Form):
    date = forms.DateField(label=gettext_lazy("日期"), widget=DateInput())
    note = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.FileField(label=gettext_lazy("附件"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())


class CandidateRowForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=64, required=False)
    position = forms.ChoiceField(label=gettext_lazy("拟任职务"), choices=LeaderPosition.choices, initial=LeaderPosition.MEMBER)
    employment = forms.ChoiceField(label=gettext_lazy("专兼职"), choices=Employment.choices, initial=Employment.PART_TIME)
    is_returned_or_relative = forms.BooleanField(label=gettext_lazy("归侨侨眷"), required=False)


CandidateRows = forms.formset_factory(CandidateRowForm, extra=0, max_num=60, absolute_max=60)
CANDIDATE_ROWS = 8  # rows offered on the page (blank rows are ignored)


class CandidateListForm(_StepFields):
    """报送候选人名单: the list the same-level party organization decided, one row per candidate (blank rows ignored);
    a list returned by the superior comes back filled in."""

    def __init__(self, *args, previous=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].label = gettext_lazy("同级党组织研究确定候选人名单的文件")
        initial = [
            {"name": c.name, "position": c.position, "employment": c.employment, "is_returned_or_relative": c.is_returned_or_relative}
            for c in previous
        ]
        initial += [{}] * max(CANDIDATE_ROWS - len(initial), 2)
        self.rows = CandidateRows(self.data if self.is_bound else None, initial=None if self.is_bound else initial,
                                  prefix="candidate")

    def is_valid(self) -> bool:
        return super().is_valid() & self.rows.is_valid()

    def clean(self):
        data = super().clean()
        if self.rows.is_valid():
            data["candidates"] = [row for row in self.rows.cleaned_data if row and row.get("name", "").strip()]
        return data


class CongressForm(_StepFields):
    """召开代表大会: delegates expected and present, and for each candidate of the agreed list the position elected to
    (or not elected); the elected become the leading body."""

    delegates_expected = forms.IntegerField(label=gettext_lazy("应到代表（人）"), min_value=1, max_value=100000, required=False)
    delegates_present = forms.IntegerField(label=gettext_lazy("实到代表（人）"), min_value=1, max_value=100000)

    field_order = ["date", "delegates_expected", "delegates_present"]

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].label = gettext_lazy("选举结果")
        self.candidates = list(candidates)
        choices = [("", _("未当选")), *list(LeaderPosition.choices)]
        for candidate in self.candidates:
            self.fields[f"elected_{candidate.pk}"] = forms.ChoiceField(
                label=_("%(name)s 当选为") % {"name": candidate.name}, choices=choices, required=False,
                initial=candidate.position, help_text=_("拟任%(position)s") % {"position": candidate.get_position_display()},
            )
        self.order_fields(["date", "delegates_expected", "delegates_present", *(f"elected_{c.pk}" for c in self.candidates)])

    def clean(self):
        data = super().clean()
        data["elected"] = [
            {"candidate": c.pk, "position": data[f"elected_{c.pk}"]} for c in self.candidates if data.get(f"elected_{c.pk}")
        ]
        for candidate in self.candidates:
            data.pop(f"elected_{candidate.pk}", None)
        return data
