"""Forms of the training and volunteer pages: they collect input; the services validate and write."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.common.forms import DateInput
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization
from orgs.training.models import AttendeeRole, Volunteer
from orgs.training.selectors import attendee_organizations, attendee_records


class VolunteerForm(forms.Form):
    """A volunteer of the organization's register (add and edit)."""

    name = forms.CharField(label=_("姓名"), max_length=64)
    phone = forms.CharField(label=_("联系电话"), max_length=24, required=False)
    is_returned_or_relative = forms.BooleanField(label=_("归侨侨眷"), required=False)
    skills = forms.CharField(label=_("特长与服务领域"), max_length=255, required=False)
    joined_on = forms.DateField(label=_("加入日期"), widget=DateInput())
    active = forms.BooleanField(label=_("在册"), required=False, initial=True)

    @classmethod
    def initial_of(cls, volunteer: Volunteer) -> dict:
        """The stored values; the phone masked (pages never show a full number)."""
        return {name: volunteer.phone_masked if name == "phone" else getattr(volunteer, name) for name in cls.base_fields}

    def changes(self, volunteer: Volunteer) -> dict:
        """The cleaned data; a phone sent back as shown masked stands for the stored number, unchanged."""
        data = dict(self.cleaned_data)
        if volunteer.phone_masked and (data.get("phone") or "").strip() == volunteer.phone_masked:
            data["phone"] = volunteer.phone
        return data


class TrainingForm(forms.Form):
    """A training: the organiser (only when creating), date, topic, hours, place, note."""

    organizer = forms.ModelChoiceField(label=_("主办组织"), queryset=Organization.objects.none())
    held_on = forms.DateField(label=_("培训日期"), widget=DateInput())
    topic = forms.CharField(label=_("培训主题"), max_length=128)
    hours = forms.DecimalField(label=_("学时"), max_digits=5, decimal_places=1, min_value=0)
    place = forms.CharField(label=_("培训地点"), max_length=128, required=False)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            organizer = self.fields["organizer"]
            assert isinstance(organizer, forms.ModelChoiceField)
            organizer.queryset = (
                Organization.objects.editable_by(user).exclude(status=OrganizationStatus.DISSOLVED)
                .select_related("region").order_by("region__tree_id", "region__lft", "name")
            )
        else:
            del self.fields["organizer"]


class AttendanceForm(forms.Form):
    """One attendee: picked from the organiser's leading-body members and volunteers, or typed by name."""

    role = forms.ChoiceField(label=_("参训身份"), choices=AttendeeRole.choices)
    record = forms.ChoiceField(label=_("从名册选择"), required=False,
                               help_text=_("领导机构成员或志愿者；名册中没有的人员请填写姓名"))
    name = forms.CharField(label=_("姓名（无名册记录时）"), max_length=64, required=False)
    organization = forms.ModelChoiceField(label=_("所在组织（无名册记录时）"), queryset=Organization.objects.none(),
                                          required=False, help_text=_("不填时为主办组织"))

    def __init__(self, *args, training, **kwargs):
        super().__init__(*args, **kwargs)
        leaders, volunteers = attendee_records(training)
        self.leaders = {f"L{m.pk}": m for m in leaders}
        self.volunteers = {f"V{v.pk}": v for v in volunteers}
        self.fields["record"].choices = [
            ("", "—"),
            (_("领导机构成员"), [(key, f"{m.name} · {m.get_position_display()} · {m.organization.name}") for key, m in self.leaders.items()]),
            (_("志愿者"), [(key, f"{v.name} · {v.organization.name}") for key, v in self.volunteers.items()]),
        ]
        organization = self.fields["organization"]
        assert isinstance(organization, forms.ModelChoiceField)
        organization.queryset = attendee_organizations(training)

    def clean(self):
        data = super().clean()
        key = data.get("record") or ""
        data["leader"] = self.leaders.get(key)
        data["volunteer"] = self.volunteers.get(key)
        if not key and not (data.get("name") or "").strip():
            self.add_error("name", _("请从名册选择参训人员，或填写姓名"))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        if data["leader"] is not None or data["volunteer"] is not None:
            return {"role": data["role"], "leader": data["leader"], "volunteer": data["volunteer"]}
        return {"role": data["role"], "name": data["name"], "organization": data["organization"]}
