"""orgs.access.scoping: who sees and who changes which rows."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.access.scoping import (
    SubtreeRange,
    _collapse,
    forget_scope,
    get_editable_or_404,
    get_visible_or_404,
    user_scope,
)
from orgs.regions.models import Region
from tests.factories import MembershipFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

YUXI_SUBTREE = 1 + 9 + 17  # 玉溪市, its counties, the key areas
TONGHAI_SUBTREE = 1 + 4  # 通海县 and its key areas (河西镇, 纳古镇, 大回村, 小回村)


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def subtree(code: str) -> set[str]:
    return codes(Region.objects.get(code=code).get_descendants(include_self=True))


def test_admin_sees_and_changes_everything(admin_user):
    scope = user_scope(admin_user)
    assert scope.is_admin and scope.can_write
    total = Region.objects.count()
    assert Region.objects.visible_to(admin_user).count() == total
    assert Region.objects.editable_by(admin_user).count() == total
    assert Membership.objects.visible_to(admin_user).count() == Membership.objects.count()


def test_admin_role_without_superuser_flag_is_admin():
    user = UserFactory()
    MembershipFactory(user=user, role=Role.ADMIN, region=None)
    assert user_scope(user).is_admin
    assert Region.objects.editable_by(user).count() == Region.objects.count()


def test_superuser_without_membership_is_admin():
    user = UserFactory(is_superuser=True)
    assert Region.objects.visible_to(user).count() == Region.objects.count()


@pytest.mark.parametrize(
    ("username", "scope_code", "count"),
    [
        ("yunnan_staff", "530000", None),
        ("yuxi_staff", "530400", YUXI_SUBTREE),
        ("tonghai_official", "530423", TONGHAI_SUBTREE),
        ("huaning_official", "530424", 1),
    ],
)
def test_writing_roles_see_and_change_their_subtree(django_user_model, username, scope_code, count):
    user = django_user_model.objects.get(username=username)
    expected = subtree(scope_code)
    if count is not None:
        assert len(expected) == count
    assert codes(Region.objects.visible_to(user)) == expected
    assert codes(Region.objects.editable_by(user)) == expected
    scope = user_scope(user)
    assert not scope.is_admin and scope.can_write
    assert [r.region_id for r in scope.visible] == [Region.objects.get(code=scope_code).pk]


def test_tonghai_sees_nothing_of_huaning_or_above(tonghai_official):
    visible = Region.objects.visible_to(tonghai_official)
    assert not visible.filter(code__in=["530424", "530400", "530000"]).exists()
    huaning = Region.objects.get(code="530424")
    assert not user_scope(tonghai_official).sees_region(huaning)
    assert user_scope(tonghai_official).sees_region(Region.objects.get(name="河西镇"))


def test_leadership_reads_its_subtree_and_changes_nothing(yuxi_leader):
    assert codes(Region.objects.visible_to(yuxi_leader)) == subtree("530400")
    assert not Region.objects.editable_by(yuxi_leader).exists()
    assert not Membership.objects.editable_by(yuxi_leader).exists()
    scope = user_scope(yuxi_leader)
    assert not scope.can_write and scope.editable == ()
    assert not scope.edits_region(Region.objects.get(code="530423"))
    with pytest.raises(Http404):
        get_editable_or_404(Region.objects, yuxi_leader, code="530423")
    assert get_visible_or_404(Region.objects, yuxi_leader, code="530423").code == "530423"


def test_memberships_are_scoped_by_their_region(tonghai_official, yuxi_leader):
    assert set(Membership.objects.visible_to(tonghai_official).values_list("user__username", flat=True)) == {
        "tonghai_official"
    }
    assert set(Membership.objects.visible_to(yuxi_leader).values_list("user__username", flat=True)) == {
        "yuxi_staff", "tonghai_official", "huaning_official", "yuxi_leader",
    }


def test_membership_without_region_is_invisible_to_non_admins(tonghai_official):
    MembershipFactory(user=UserFactory(), role=Role.ADMIN, region=None)
    assert not Membership.objects.visible_to(tonghai_official).filter(region__isnull=True).exists()


def test_no_membership_sees_nothing():
    user = UserFactory()
    scope = user_scope(user)
    assert scope == user_scope(user) and not scope.is_admin and not scope.can_write
    assert not Region.objects.visible_to(user).exists()
    assert not Region.objects.editable_by(user).exists()
    assert not Membership.objects.visible_to(user).exists()


def test_anonymous_and_inactive_users_see_nothing():
    assert not Region.objects.visible_to(AnonymousUser()).exists()
    assert not Region.objects.visible_to(None).exists()
    inactive = UserFactory(is_active=False, is_superuser=True)
    MembershipFactory(user=inactive, role=Role.STAFF, region=Region.objects.get(code="530000"))
    assert not Region.objects.visible_to(inactive).exists()


def test_nested_memberships_collapse_to_the_outer_subtree():
    user = UserFactory()
    MembershipFactory(user=user, role=Role.COUNTY_OFFICIAL, region=Region.objects.get(code="530423"))
    MembershipFactory(user=user, role=Role.STAFF, region=Region.objects.get(code="530400"))
    MembershipFactory(user=user, role=Role.STAFF, region=Region.objects.get(name="河西镇"))
    scope = user_scope(user)
    assert [r.region_id for r in scope.visible] == [Region.objects.get(code="530400").pk]
    assert len(scope.editable) == 1
    assert sorted(scope.region_ids) == sorted(Membership.objects.filter(user=user).values_list("region_id", flat=True))
    assert codes(Region.objects.visible_to(user)) == subtree("530400")


def test_disjoint_memberships_are_a_union_across_trees():
    user = UserFactory()
    MembershipFactory(user=user, role=Role.COUNTY_OFFICIAL, region=Region.objects.get(code="530423"))
    MembershipFactory(user=user, role=Role.COUNTY_OFFICIAL, region=Region.objects.get(code="110101"))
    assert len(user_scope(user).visible) == 2
    assert codes(Region.objects.visible_to(user)) == subtree("530423") | {"110101"}


def test_leadership_above_and_writing_role_below():
    """Reads the whole city, changes only the county."""
    user = UserFactory()
    MembershipFactory(user=user, role=Role.LEADERSHIP, region=Region.objects.get(code="530400"))
    MembershipFactory(user=user, role=Role.COUNTY_OFFICIAL, region=Region.objects.get(code="530423"))
    assert codes(Region.objects.visible_to(user)) == subtree("530400")
    assert codes(Region.objects.editable_by(user)) == subtree("530423")
    assert user_scope(user).roles == {Role.LEADERSHIP, Role.COUNTY_OFFICIAL}


def test_new_regions_inside_a_scope_are_visible_at_once(tonghai_official, huaning_official):
    town = RegionFactory(parent=Region.objects.get(code="530423"), name="新设镇")
    forget_scope(tonghai_official)
    assert Region.objects.visible_to(tonghai_official).filter(pk=town.pk).exists()
    assert not Region.objects.visible_to(huaning_official).filter(pk=town.pk).exists()


def test_scope_is_cached_until_forgotten():
    user = UserFactory()
    assert not user_scope(user).visible
    MembershipFactory(user=user, region=Region.objects.get(code="530423"))
    assert not user_scope(user).visible  # cached for the request
    forget_scope(user)
    assert len(user_scope(user).visible) == 1


def test_get_visible_or_404_hides_foreign_rows(tonghai_official):
    with pytest.raises(Http404):
        get_visible_or_404(Region.objects, tonghai_official, code="530424")
    with pytest.raises(Http404):
        get_visible_or_404(Region.objects, tonghai_official, code="999999")
    assert get_editable_or_404(Region.objects, tonghai_official, code="530423").code == "530423"


def test_within_is_a_subtree_filter_not_a_permission():
    yuxi = Region.objects.get(code="530400")
    assert codes(Region.objects.within(yuxi)) == subtree("530400")
    assert Membership.objects.within(yuxi).count() == 4


def test_subtree_range_contains_and_collapse():
    outer = SubtreeRange(1, 5, 10, 40)
    inner = SubtreeRange(2, 5, 11, 12)
    other_tree = SubtreeRange(3, 6, 11, 12)
    assert outer.contains(5, 11, 12) and outer.contains(5, 10, 40)
    assert not outer.contains(6, 11, 12) and not outer.contains(5, 9, 12) and not outer.contains(5, 39, 41)
    assert _collapse([inner, other_tree, outer]) == (outer, other_tree)
    assert _collapse([outer, outer]) == (outer,)
