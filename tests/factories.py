"""factory_boy factories. Regions default to a township under 通海县 (530423) of the loaded national tree."""
from __future__ import annotations

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.regions.models import Region, RegionLevel

CODE_LENGTH = {
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}


def region(code: str) -> Region:
    """A region of the loaded tree by its code."""
    return Region.objects.get(code=code)


def child_code(parent_code: str, level: str, n: int) -> str:
    """A code for a new township (9 digits) or village (12 digits) below `parent_code`, unused by the fixtures.

    Numbers start at 500 (the demo key areas use 0xx, 1xx and 2xx placeholders)."""
    length = CODE_LENGTH[RegionLevel(level)]
    width = length - len(parent_code)
    return f"{parent_code}{500 + n:0{width}d}"


class RegionFactory(factory.django.DjangoModelFactory):
    """A township (or village, with level=...) below `parent`; saved through the model, so MPTT places it."""

    class Meta:
        model = Region

    parent = factory.LazyFunction(lambda: region("530423"))
    level = RegionLevel.TOWNSHIP
    name = factory.Sequence(lambda n: f"测试{n}镇")
    code = factory.LazyAttributeSequence(lambda o, n: child_code(o.parent.code, o.level, n % 400))


class UserFactory(factory.django.DjangoModelFactory):
    """A user with the demo password."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    is_staff = False
    password = factory.PostGenerationMethodCall("set_password", settings.DEMO_PASSWORD)

    @factory.post_generation
    def permissions(self, create, extracted, **kwargs):
        """permissions=["orgs.view_region", ...] grants Django model permissions."""
        if not create or not extracted:
            self.save()
            return
        for dotted in extracted:
            app_label, codename = dotted.split(".")
            self.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    """A role in a region (a county official in 通海县 unless told otherwise)."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.COUNTY_OFFICIAL
    region = factory.LazyFunction(lambda: region("530423"))
