"""Issue 15 §4: the policies (建会门槛) in the product. Who keeps which policy (administrators everywhere, the
nationwide default only they; provincial and city staff their region and below; county officials and leadership
read), the two-step save (the comparison first, nothing written; the confirmation writes, audits and re-evaluates),
the checks with their Chinese messages, and the API."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from html import unescape

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from census.coverage.models import Policy, Requirement
from census.coverage.policies import (
    policy_check,
    policy_editor,
    policy_governs,
    policy_preview,
    policy_save,
)
from census.coverage.services import coverage_what_if, evaluate_coverage, policies_load, policy_applying
from orgs.access.roles import Role
from orgs.common.audit import AuditEvent
from orgs.regions.models import Region, RegionLevel
from tests.census.factories import register_person
from tests.factories import MembershipFactory, RegionFactory, UserFactory, region
from tests.scope.census import POLICY
from tests.scope.registry import API, CASES, markers_in
from tests.test_api import assert_matches_schema
from tests.test_scope_matrix import World as MatrixWorld
from tests.test_scope_matrix import send, url_of
from tests.test_scope_matrix import text_of as matrix_text

pytestmark = pytest.mark.django_db

LIST, CREATE = "/census/policies/", "/census/policies/new/"


def detail(policy) -> str:
    return f"/census/policies/{policy.pk}/"


def edit(policy) -> str:
    return f"/census/policies/{policy.pk}/edit/"


@dataclass
class PolicyWorld:
    """通海县 (530423, under the Yuxi plan: village 30): 门槛测试村 with 25 registered 侨眷 (recommended today,
    required at a village threshold of 20) and 门槛小村 with 10. A policy of 红河州 (532500), outside 玉溪市."""

    village: Region
    small_village: Region
    yuxi: Policy
    honghe: Policy


def build_policy_world(editor) -> PolicyWorld:
    policies_load()
    township = RegionFactory(parent=region("530423"), name="门槛测试镇")
    village = RegionFactory(parent=township, level=RegionLevel.VILLAGE, name="门槛测试村")
    small = RegionFactory(parent=township, level=RegionLevel.VILLAGE, name="门槛小村")
    for i in range(25):
        register_person(editor, seed=7000 + i, region=village, phone="")
    for i in range(10):
        register_person(editor, seed=7100 + i, region=small, phone="")
    honghe = Policy.objects.create(
        key="honghe-test", name="红河州测试方案", short_name="红河方案", jurisdiction=region("532500"),
        counted_categories=["returned", "relative"], below_threshold_options=["侨联小组"], clauses={"village": "三"},
    )
    evaluate_coverage(region("530423"))
    return PolicyWorld(village, small, Policy.objects.get(key="yuxi-2020"), honghe)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> PolicyWorld:
    """Built once per module inside a transaction rolled back after its last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_policy_world(get_user_model().objects.get(username="admin"))
        transaction.set_rollback(True)


@pytest.fixture
def honghe_staff(db):
    """Staff of 红河州 (532500): a city federation of another city."""
    user = UserFactory(username="honghe_staff")
    MembershipFactory(user=user, role=Role.STAFF, region=region("532500"))
    return user


@pytest.fixture
def tonghai_staff_member(db):
    """Staff (not a county official) whose membership is a county: keeps no policy."""
    user = UserFactory(username="tonghai_county_staff")
    MembershipFactory(user=user, role=Role.STAFF, region=region("530423"))
    return user


def form_data(policy: Policy | None = None, **changes) -> dict:
    """The policy form as a browser posts it: the values of `policy` (or of a new 通海县 policy), with `changes`."""
    values = {
        "name": "测试方案", "short_name": "测试方案", "key": "", "jurisdiction": "530423", "effective_from": "", "effective_to": "",
        "township_threshold": "100", "village_threshold": "30", "unit_threshold": "30", "two_new_upper_threshold": "100",
        "county_always_required": "on", "key_area_always_required": "on", "counted_categories": ["returned", "relative"],
        "below_threshold_options": ["侨联小组"], "below_threshold_other": "", "source": "",
    }
    if policy is not None:
        values.update({
            "name": policy.name, "short_name": policy.short_name, "counted_categories": list(policy.counted_categories),
            "township_threshold": str(policy.township_threshold), "village_threshold": str(policy.village_threshold),
            "unit_threshold": str(policy.unit_threshold), "two_new_upper_threshold": str(policy.two_new_upper_threshold),
            "effective_from": policy.effective_from.isoformat() if policy.effective_from else "",
            "effective_to": policy.effective_to.isoformat() if policy.effective_to else "",
            "below_threshold_options": list(policy.below_threshold_options), "source": policy.source,
            **{f"clause_{rule}": text for rule, text in policy.clauses.items()},
        })
        for field in ("county_always_required", "key_area_always_required"):
            if not getattr(policy, field):
                values.pop(field)
        del values["key"], values["jurisdiction"]
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def token_of(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, response.content.decode()[:3000]
    return unescape(match[1])


def policy_entries(policy) -> list[LogEntry]:
    return list(LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Policy), object_pk=str(policy.pk)).order_by("pk"))


def village_verdict(village) -> str:
    return Requirement.objects.get(region=village, unit__isnull=True).verdict


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


# ---- who keeps which policy ---------------------------------------------------------------------------------


def test_who_keeps_policies_where(world, admin_user, yunnan_staff, yuxi_staff, tonghai_official, yuxi_leader, honghe_staff,
                                  tonghai_staff_member):
    yuxi, honghe, default = world.yuxi, world.honghe, Policy.objects.get(key="default")
    assert policy_editor(admin_user).keeps(None) and policy_editor(admin_user).keeps(honghe.jurisdiction)
    assert policy_editor(yunnan_staff).keeps(yuxi.jurisdiction) and policy_editor(yunnan_staff).keeps(honghe.jurisdiction)
    assert policy_editor(yuxi_staff).keeps(yuxi.jurisdiction) and policy_editor(yuxi_staff).keeps(region("530423"))
    assert not policy_editor(yuxi_staff).keeps(honghe.jurisdiction)
    assert not policy_editor(yuxi_staff).keeps(default.jurisdiction)  # the nationwide default: administrators only
    assert not policy_editor(honghe_staff).keeps(yuxi.jurisdiction)
    for reader in (tonghai_official, yuxi_leader, tonghai_staff_member):
        assert not policy_editor(reader).can_edit


@pytest.mark.parametrize("who", ["tonghai_official", "yuxi_leader", "tonghai_staff_member"])
def test_readers_are_refused_the_forms(world, request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data(village_threshold="20")).status_code == 403
    assert client.get(edit(world.yuxi)).status_code == 403  # they read it: 403, not 404
    assert client.post(edit(world.yuxi), form_data(world.yuxi, village_threshold="20")).status_code == 403
    assert client.get(detail(world.yuxi)).status_code == 200
    assert Policy.objects.get(pk=world.yuxi.pk).village_threshold == 30


def test_city_staff_neither_see_nor_change_another_citys_policy(world, client_for, api_client_for, yuxi_staff):
    client, api = client_for(yuxi_staff), api_client_for(yuxi_staff)
    honghe = world.honghe
    assert client.get(detail(honghe)).status_code == 404
    assert client.get(edit(honghe)).status_code == 404
    assert client.post(edit(honghe), form_data(honghe, village_threshold="5")).status_code == 404
    assert "红河州测试方案" not in client.get(LIST).content.decode()
    assert api.get(f"/api/policies/{honghe.pk}/").status_code == 404
    assert api.patch(f"/api/policies/{honghe.pk}/?dry_run=1", {"village_threshold": 5}, format="json").status_code == 404
    assert api.patch(f"/api/policies/{honghe.pk}/", {"village_threshold": 5}, format="json").status_code == 404
    assert "红河州测试方案" not in api.get("/api/policies/").content.decode()
    # nor make one for 红河州
    response = client.post(CREATE, form_data(jurisdiction="532500"))
    assert response.status_code == 200 and "policy_form" in response.templates[0].name
    assert "不在您可以制定门槛的辖区内" in text(response)
    assert api.post("/api/policies/", {"name": "越界", "short_name": "越界", "jurisdiction": "532500",
                                       "counted_categories": ["relative"], "below_threshold_options": ["侨联小组"]}, format="json").status_code == 400
    assert Policy.objects.get(pk=honghe.pk).village_threshold == 30
    assert not Policy.objects.filter(jurisdiction__code="532500").exclude(pk=honghe.pk).exists()


def test_the_nationwide_default_is_for_administrators_only(world, client_for, yuxi_staff, admin_user):
    default = Policy.objects.get(key="default")
    client = client_for(yuxi_staff)
    assert client.get(detail(default)).status_code == 200  # read by everyone
    assert client.get(edit(default)).status_code == 403
    with pytest.raises(ValidationError) as refused:
        policy_check(editor=yuxi_staff, policy=None, data={**service_data(), "jurisdiction": None})
    assert "只有系统管理员可以制定全国默认门槛" in str(refused.value.message_dict["jurisdiction"])
    # an administrator changes it (the comparison then covers the whole country)
    preview = policy_preview(editor=admin_user, policy=default, data={"village_threshold": 25})
    assert preview.region is None and preview.changes == {"village_threshold": [30, 25]}


def test_a_county_officials_policy_write_through_the_service_is_refused(world, tonghai_official):
    with pytest.raises(PermissionDenied):
        policy_save(editor=tonghai_official, policy=world.yuxi, data={"village_threshold": 20})
    assert Policy.objects.get(pk=world.yuxi.pk).village_threshold == 30


# ---- the two steps ------------------------------------------------------------------------------------------


def test_the_confirmation_shows_the_places_newly_required_and_writes_nothing(world, client_for, yuxi_staff):
    client = client_for(yuxi_staff)  # (signing in is audited too)
    before = list(Requirement.objects.order_by("pk").values_list("pk", "verdict", "reason"))
    entries = LogEntry.objects.count()
    response = client.post(edit(world.yuxi), form_data(world.yuxi, village_threshold="20"))
    assert response.status_code == 200
    assert response.templates[0].name == "census/policy_confirm.html"
    page = text(response)
    assert "新增应建" in page and "门槛测试村" in page
    assert "门槛小村" not in page  # 10 people: below 20 too
    assert "将新增" in response.context["sentence"] and "村(社区)" in response.context["sentence"]
    assert [c["label"] for c in response.context["changes"]] == ["村(社区)门槛"]
    assert (response.context["changes"][0]["before"], response.context["changes"][0]["after"]) == ("30 人", "20 人")
    village_row = next(row for row in response.context["levels"] if row["level"] == "village")
    assert village_row["delta"] >= 1
    # nothing written: the policy, its verdicts, the audit trail
    assert Policy.objects.get(pk=world.yuxi.pk).village_threshold == 30
    assert list(Requirement.objects.order_by("pk").values_list("pk", "verdict", "reason")) == before
    assert LogEntry.objects.count() == entries


def test_confirming_writes_audits_and_reevaluates(world, client_for, yuxi_staff, eager_celery, django_capture_on_commit_callbacks):
    client = client_for(yuxi_staff)
    assert village_verdict(world.village) == "recommended"
    preview = client.post(edit(world.yuxi), form_data(world.yuxi, village_threshold="20", clause_village="二(二)"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit(world.yuxi), {"token": token_of(preview), "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == detail(world.yuxi)
    saved = Policy.objects.get(pk=world.yuxi.pk)
    assert saved.village_threshold == 20 and saved.clauses["village"] == "二(二)"
    # one audit entry: who, which policy, before → after of each changed field
    entry = policy_entries(saved)[-1]
    assert entry.actor == yuxi_staff and entry.additional_data["event"] == AuditEvent.POLICY
    assert entry.additional_data["changes"] == {"village_threshold": [30, 20], "clauses": [world.yuxi.clauses, saved.clauses]}
    assert len([e for e in policy_entries(saved) if e.timestamp >= entry.timestamp]) == 1
    # re-evaluated: the village crossed the threshold, its reason quotes the new clause
    requirement = Requirement.objects.get(region=world.village, unit__isnull=True)
    assert requirement.verdict == "required" and requirement.policy_id == saved.pk
    assert "达到村(社区) 20 人门槛（玉溪方案 二(二)）" in requirement.reason
    assert village_verdict(world.small_village) == "recommended"
    # the policy's page shows the change in words
    page = text(client.get(detail(saved)))
    assert "村(社区)门槛 30 人 → 20 人" in page and "修改" in page


def test_back_returns_the_form_with_the_values_and_writes_nothing(world, client_for, yuxi_staff):
    client = client_for(yuxi_staff)
    preview = client.post(edit(world.yuxi), form_data(world.yuxi, village_threshold="20"))
    response = client.post(edit(world.yuxi), {"token": token_of(preview), "back": "1"})
    assert response.status_code == 200 and response.templates[0].name == "census/policy_form.html"
    assert response.context["form"]["village_threshold"].value() == "20"
    assert Policy.objects.get(pk=world.yuxi.pk).village_threshold == 30


def test_a_forged_or_foreign_token_writes_nothing(world, client_for, yuxi_staff, yunnan_staff):
    preview = client_for(yuxi_staff).post(edit(world.yuxi), form_data(world.yuxi, village_threshold="20"))
    token = token_of(preview)
    response = client_for(yuxi_staff).post(edit(world.yuxi), {"token": token[:-2] + "xx", "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == edit(world.yuxi)
    # another user (who also keeps the policy) cannot replay it
    assert client_for(yunnan_staff).post(edit(world.yuxi), {"token": token, "confirm": "1"}).status_code == 302
    # nor does it confirm a change of another policy
    other = policy_save(editor=yuxi_staff, policy=None, data=service_data(name="通海另案"))
    assert client_for(yuxi_staff).post(edit(other), {"token": token, "confirm": "1"}).status_code == 302
    assert Policy.objects.get(pk=world.yuxi.pk).village_threshold == 30


def test_a_confirmation_made_stale_by_another_change_is_shown_again(world, client_for, yuxi_staff, yunnan_staff):
    client = client_for(yuxi_staff)
    preview = client.post(edit(world.yuxi), form_data(world.yuxi, village_threshold="20"))
    policy_save(editor=yunnan_staff, policy=world.yuxi, data={"township_threshold": 90})
    response = client.post(edit(world.yuxi), {"token": token_of(preview), "confirm": "1"}, follow=True)
    assert response.templates[0].name == "census/policy_confirm.html"
    assert "已被他人修改" in text(response)
    stored = Policy.objects.get(pk=world.yuxi.pk)
    assert (stored.township_threshold, stored.village_threshold) == (90, 30)
    # what would change now: both thresholds (the form still holds 100 for the township)
    assert {c["label"] for c in response.context["changes"]} == {"乡镇(街道)门槛", "村(社区)门槛"}


def test_creating_a_policy_for_a_county(world, client_for, yuxi_staff, eager_celery, django_capture_on_commit_callbacks):
    client = client_for(yuxi_staff)
    page = client.get(CREATE)
    assert page.status_code == 200
    form = page.context["form"]
    assert form["village_threshold"].value() == 30  # started from the policy in force in 玉溪市
    assert [code for code, _label in form.fields["jurisdiction"].widget.choices][:2] == ["530400", "530402"]
    data = form_data(name="通海县侨联组织建设实施细则", short_name="通海细则", village_threshold="20", clause_village="第三条",
                     effective_from=timezone.localdate().isoformat())
    preview = client.post(CREATE, data)
    assert preview.status_code == 200 and "门槛测试村" in text(preview)
    assert not Policy.objects.filter(short_name="通海细则").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CREATE, {"token": token_of(preview), "confirm": "1"})
    created = Policy.objects.get(short_name="通海细则")
    assert response["Location"] == detail(created)
    assert created.jurisdiction.code == "530423" and created.key == f"530423-{timezone.localdate().year}"
    assert created.counted_categories == ["returned", "relative"]
    assert policy_entries(created)[-1].additional_data["created"] is True
    requirement = Requirement.objects.get(region=world.village, unit__isnull=True)
    assert requirement.verdict == "required" and "通海细则 第三条" in requirement.reason
    # 通海县 is now governed by it: the list says so, as the evaluation chose
    assert policy_applying(region("530423")) == created
    listing = client.get(LIST, {"region": "530423"})
    assert listing.context["applying"] == created


# ---- checks -------------------------------------------------------------------------------------------------------


def service_data(**changes):
    return {
        "name": "通海方案", "short_name": "通海方案", "jurisdiction": region("530423"), "counted_categories": ["relative"],
        "below_threshold_options": ["侨联小组"], "clauses": {}, **changes,
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"township_threshold": 0}, "township_threshold", "乡镇(街道)门槛至少为 1 人（填写 0）"),
        ({"unit_threshold": -3}, "unit_threshold", "单位门槛至少为 1 人（填写 -3）"),
        ({"village_threshold": 120}, "village_threshold", "村(社区)门槛（120 人）不能高于乡镇(街道)门槛（100 人）"),
        ({"effective_from": dt.date(2026, 5, 1), "effective_to": dt.date(2026, 4, 30)}, "effective_to", "失效日期 2026-04-30 早于生效日期 2026-05-01"),
        ({"counted_categories": []}, "counted_categories", "请至少选择一个计入门槛的类别"),
        ({"counted_categories": ["relative", "aliens"]}, "counted_categories", "未知类别：aliens"),
        ({"below_threshold_options": ["  "]}, "below_threshold_options", "请至少选择或填写一种门槛以下的建议形式"),
        ({"short_name": ""}, "short_name", "请填写简称"),
        ({"key": "yuxi-2020"}, "key", "标识“yuxi-2020”已被使用"),
        ({"key": "通海"}, "key", "标识只能由字母、数字、连字符和下划线组成"),
        ({"clauses": {"village": "第" * 31}}, "clause_village", "条款出处不超过 30 个字"),
        ({"jurisdiction": Region.objects.filter(level="township").first}, "jurisdiction", "建会门槛由省、市、县三级制定"),
    ],
)
def test_checks_name_the_field_in_chinese(world, yuxi_staff, changes, field, message):
    changes = {k: (v() if callable(v) else v) for k, v in changes.items()}
    with pytest.raises(ValidationError) as refused:
        policy_check(editor=yuxi_staff, policy=None, data=service_data(**changes))
    assert any(message in m for m in refused.value.message_dict[field]), refused.value.message_dict


def test_policies_of_one_jurisdiction_may_not_overlap_in_time(world, yuxi_staff):
    # the Yuxi plan is in force from 2020-01-01, open-ended
    with pytest.raises(ValidationError) as refused:
        policy_check(editor=yuxi_staff, policy=None, data=service_data(jurisdiction=region("530400"), effective_from=dt.date(2030, 1, 1)))
    assert "与“玉溪方案”（2020-01-01 起）的生效期重叠" in refused.value.message_dict["effective_from"][0]
    # once the plan is given an end, the next one may follow it
    policy_save(editor=yuxi_staff, policy=world.yuxi, data={"effective_to": dt.date(2029, 12, 31)})
    follower = policy_save(editor=yuxi_staff, policy=None, data=service_data(jurisdiction=region("530400"), effective_from=dt.date(2030, 1, 1)))
    assert follower.key == "530400-2030"
    # the same dates in another jurisdiction do not collide
    policy_check(editor=yuxi_staff, policy=None, data=service_data(effective_from=dt.date(2030, 1, 1)))


def test_the_key_and_jurisdiction_are_fixed_once_created(world, yunnan_staff):
    with pytest.raises(ValidationError) as refused:
        policy_check(editor=yunnan_staff, policy=world.yuxi, data={"jurisdiction": region("530300"), "key": "other"})
    assert "适用区域在创建后不能修改" in refused.value.message_dict["jurisdiction"][0]
    assert "标识在创建后不能修改" in refused.value.message_dict["key"][0]


def test_form_errors_are_shown_on_their_fields(world, client_for, yuxi_staff):
    response = client_for(yuxi_staff).post(edit(world.yuxi), form_data(world.yuxi, township_threshold="0", village_threshold="abc",
                                                                       counted_categories=[]))
    assert response.status_code == 200 and response.templates[0].name == "census/policy_form.html"
    errors = response.context["form"].errors
    assert "village_threshold" in errors  # not a number: the form's own check
    assert not Policy.objects.filter(pk=world.yuxi.pk, village_threshold=0).exists()
    response = client_for(yuxi_staff).post(edit(world.yuxi), form_data(world.yuxi, township_threshold="0", counted_categories=[]))
    errors = response.context["form"].errors
    assert errors["township_threshold"] == ["乡镇(街道)门槛至少为 1 人（填写 0）"]
    assert errors["counted_categories"] == ["请至少选择一个计入门槛的类别"]
    assert "请修改下面标出的内容后再提交" in text(response)


def test_saving_what_is_stored_writes_nothing(world, yuxi_staff):
    entries = len(policy_entries(world.yuxi))
    policy_save(editor=yuxi_staff, policy=world.yuxi, data={"village_threshold": 30, "short_name": "玉溪方案"})
    assert len(policy_entries(world.yuxi)) == entries


# ---- one comparison, of a whole candidate policy ---------------------------------------------------------------------


def test_the_comparison_takes_the_counted_categories_into_account(world, yuxi_staff):
    candidate = policy_check(editor=yuxi_staff, policy=world.yuxi, data={"counted_categories": ["returned"], "village_threshold": 20})
    result = coverage_what_if(region("530423"), candidate=candidate)
    # 侨眷 no longer count: nobody in the test villages is counted, whatever the threshold
    assert "门槛测试村" not in {p["name"] for p in result.newly_required}
    thresholds_only = coverage_what_if(region("530423"), thresholds={"village_threshold": 20})
    assert "门槛测试村" in {p["name"] for p in thresholds_only.newly_required}


def test_a_future_policy_is_compared_on_the_day_it_takes_effect(world, yuxi_staff):
    start = timezone.localdate() + dt.timedelta(days=30)
    preview = policy_preview(editor=yuxi_staff, policy=None, data=service_data(village_threshold=20, effective_from=start))
    assert preview.on == start
    assert "门槛测试村" in {p["name"] for p in preview.comparison.newly_required}


# ---- reading -----------------------------------------------------------------------------------------------------------


def test_the_list_shows_the_policies_of_the_scope_and_which_applies(world, client_for, tonghai_official):
    response = client_for(tonghai_official).get(LIST)
    assert response.status_code == 200
    keys = [row["policy"].key for row in response.context["rows"]]
    assert keys[0] == "default" and "yuxi-2020" in keys
    assert "honghe-test" not in keys and "jiangxi-40" not in keys
    assert response.context["region"].code == "530423"
    assert response.context["applying"] == world.yuxi
    assert not response.context["can_create"]
    page = text(response)
    assert "现行" in page and "归侨、侨眷、华侨、外籍华人、留学人员" in page
    assert client_for(tonghai_official).get(LIST, {"region": "530424"}).status_code == 404  # 华宁县: not theirs


def test_the_policy_applying_is_the_one_the_evaluation_chose(world):
    verdict = Requirement.objects.get(region=world.village, unit__isnull=True)
    assert policy_applying(world.village) == verdict.policy == world.yuxi


def test_the_detail_page_reads_in_chinese(world, client_for, yuxi_staff):
    response = client_for(yuxi_staff).get(detail(world.yuxi))
    assert response.status_code == 200
    page = text(response)
    assert "归侨、侨眷、华侨、外籍华人、留学人员" in page  # categories by label, not key
    assert "侨联小组、侨联分会、侨联工作站" in page
    assert "重点侨务地区 玉溪方案 二(二)" in page
    assert "归侨侨眷、海外侨胞及留学人员人数在100人以上" in page  # the source text
    assert "现据此评估云南省玉溪市全境" in page
    assert response.context["can_edit"]
    counts = dict(response.context["governs"].verdicts)
    assert counts["县级"] == 1 and counts["村级"] >= 2  # 通海县, its villages (the test's two among them)


def test_the_nationwide_default_names_the_regions_with_their_own_policy(world, yuxi_staff, admin_user):
    default = Policy.objects.get(key="default")
    governs = policy_governs(default, yuxi_staff)
    assert [(r.code, p.key) for r, p in governs.exceptions] == [("530400", "yuxi-2020")]  # those they may see
    everywhere = policy_governs(default, admin_user)
    assert {"360000", "530400", "532500"} <= {r.code for r, _p in everywhere.exceptions}


def test_the_no_policy_notice_links_to_the_policies(world, client_for, tonghai_official):
    Requirement.objects.all().delete()
    Policy.objects.filter(key__in=["default", "yuxi-2020"]).update(effective_to=dt.date(2000, 1, 1))
    response = client_for(tonghai_official).get("/census/coverage/gaps/")
    assert 'data-testid="no-policy-link"' in response.content.decode() and LIST in response.content.decode()


# ---- API ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    """The served schema (JSON), as tests/test_api.py reads it."""
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", {"format": "json"}).json()


def test_api_lists_the_scope_and_documents_it(world, tonghai_api, openapi):
    payload = tonghai_api.get("/api/policies/").json()
    keys = [row["key"] for row in payload["results"]]
    assert keys[0] == "default" and "yuxi-2020" in keys and "honghe-test" not in keys
    assert_matches_schema(openapi, "/api/policies/", payload)
    yuxi = tonghai_api.get(f"/api/policies/{world.yuxi.pk}/").json()
    assert yuxi["jurisdiction"] == "530400" and yuxi["state"] == "in_force" and yuxi["counted_categories_display"][0] == "归侨"
    assert_matches_schema(openapi, "/api/policies/{id}/", yuxi)
    assert tonghai_api.get(f"/api/policies/{world.honghe.pk}/").status_code == 404


def test_api_dry_run_answers_the_comparison_and_writes_nothing(world, api_client_for, yuxi_staff):
    api = api_client_for(yuxi_staff)
    entries = LogEntry.objects.count()
    response = api.patch(f"/api/policies/{world.yuxi.pk}/?dry_run=1", {"village_threshold": 20}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changes"] == {"village_threshold": [30, 20]}
    assert body["region"]["code"] == "530400"
    assert "门槛测试村" in {p["name"] for p in body["newly_required"]}
    assert "将新增" in body["summary"]
    assert Policy.objects.get(pk=world.yuxi.pk).village_threshold == 30 and LogEntry.objects.count() == entries


def test_api_writes_through_the_service(world, api_client_for, yuxi_staff, tonghai_api, eager_celery, django_capture_on_commit_callbacks):
    api = api_client_for(yuxi_staff)
    assert tonghai_api.patch(f"/api/policies/{world.yuxi.pk}/", {"village_threshold": 20}, format="json").status_code == 403
    response = api.patch(f"/api/policies/{world.yuxi.pk}/", {"village_threshold": 120}, format="json")
    assert response.status_code == 400
    assert response.json()["village_threshold"] == ["村(社区)门槛（120 人）不能高于乡镇(街道)门槛（100 人）"]
    response = api.patch(f"/api/policies/{world.yuxi.pk}/", {"clauses": {"village": "第" * 40}}, format="json")
    assert response.status_code == 400 and "clauses" in response.json()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(f"/api/policies/{world.yuxi.pk}/", {"village_threshold": 20}, format="json")
    assert response.status_code == 200 and response.json()["village_threshold"] == 20
    assert village_verdict(world.village) == "required"
    assert policy_entries(world.yuxi)[-1].additional_data["changes"] == {"village_threshold": [30, 20]}
    created = api.post("/api/policies/", {"name": "通海细则", "short_name": "通海细则", "jurisdiction": "530423",
                                           "counted_categories": ["relative", "returned"], "below_threshold_options": ["侨联小组"]},
                       format="json")
    assert created.status_code == 201, created.content
    assert created.json()["jurisdiction"] == "530423" and created.json()["counted_categories"] == ["returned", "relative"]
    assert created.json()["township_threshold"] == 100  # the defaults
    assert api.delete(f"/api/policies/{world.yuxi.pk}/").status_code == 405


def test_api_create_refuses_a_reader(world, tonghai_api, leader_api):
    body = {"name": "x", "short_name": "x", "jurisdiction": "530423", "counted_categories": ["relative"], "below_threshold_options": ["侨联小组"]}
    assert tonghai_api.post("/api/policies/", body, format="json").status_code == 403
    assert leader_api.post("/api/policies/", body, format="json").status_code == 403
    assert not Policy.objects.filter(jurisdiction__code="530423").exists()


def test_an_administrators_change_in_the_django_admin_reevaluates_too(world, admin_client, eager_celery, django_capture_on_commit_callbacks):
    yuxi = world.yuxi
    body = {
        "key": yuxi.key, "name": yuxi.name, "short_name": yuxi.short_name, "jurisdiction": yuxi.jurisdiction_id,
        "effective_from": "2020-01-01", "effective_to": "", "counted_categories": json.dumps(yuxi.counted_categories),
        "township_threshold": 100, "village_threshold": 20, "unit_threshold": 30, "two_new_upper_threshold": 100,
        "county_always_required": "on", "key_area_always_required": "on", "below_threshold_options": json.dumps(yuxi.below_threshold_options),
        "clauses": json.dumps(yuxi.clauses), "source": yuxi.source, "_save": "1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/census/policy/{yuxi.pk}/change/", body)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert village_verdict(world.village) == "required"


# ---- every policy route, as 玉溪市 staff, against a policy of 红河州 -----------------------------------------------


def _policy_cases():
    return [pytest.param(case, id=case.route) for case in CASES.values() if case.placed is POLICY]


@pytest.mark.parametrize("case", _policy_cases())
def test_city_staff_reach_no_policy_of_another_city_through_any_route(case, world, request, yuxi_staff):
    """The scope matrix looks from a county; this looks from a city that keeps policies: whatever the route (pages,
    API, admin), 玉溪市 staff neither see 红河州's policy nor change it, nor place one there."""
    client = request.getfixturevalue("api_client_for" if case.surface == API else "client_for")(yuxi_staff)
    honghe, marker = world.honghe, (world.honghe.name,)
    scope_world = MatrixWorld()
    rows = lambda: list(Policy.objects.order_by("pk").values_list("pk", "key", "name", "jurisdiction_id", "township_threshold",  # noqa: E731
                                                                   "village_threshold", "unit_threshold", "effective_from", "effective_to"))
    url = url_of(case, honghe) if case.is_object_route else url_of(case)
    for probe in case.reads:
        response = send(client, probe.method, url, probe.data(scope_world, honghe) if probe.data else {}, follow=case.follow)
        if case.is_object_route:
            assert response.status_code in (403, 404), f"{probe.method} {url}: {response.status_code}"
        assert not markers_in(matrix_text(response), marker), f"{url} shows 红河州's policy"
    for write in case.writes:
        target = None if write.action == "create" else honghe
        before = rows()
        response = send(client, write.method, url, write.body(scope_world, target, honghe.jurisdiction), json=write.json)
        assert response.status_code < 500
        if case.is_object_route:
            assert response.status_code in (403, 404), f"{write.method} {url}: {response.status_code}"
        assert rows() == before, f"{write.method} {url} changed or placed a policy in 红河州"
