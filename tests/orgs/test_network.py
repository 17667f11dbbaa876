"""The organization's network (issue 16 §3): the WeChat tier rule of Jiangxi 14, and each part added, changed and
removed by the organization's editors and refused to everyone else, through the services, the pages and the API."""
from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgs.organizations import network
from orgs.organizations.founding import OrganizationStatus as S
from orgs.organizations.models import (
    Activity,
    ActivityAttachment,
    AffiliatedAssociation,
    AlumniLink,
    CadreContact,
    CadreContactLog,
    Organization,
    OrganizationKind,
    OverseasAssociation,
    WechatGroup,
)
from orgs.regions.models import Region, RegionLevel
from tests.factories import RegionFactory, region
from tests.orgs.conftest import PDF_BYTES
from tests.orgs.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def hexi() -> Region:
    """河西镇 (通海县): a 重点侨务地区 of the Yuxi plan, so 侨乡."""
    return Region.objects.get(parent__code="530423", name="河西镇")


@pytest.fixture
def township(db) -> Organization:
    """河西镇侨联, active, in 侨乡."""
    return OrganizationFactory(name="河西镇侨联", kind=OrganizationKind.TOWNSHIP, region=hexi(), status=S.ACTIVE)


@pytest.fixture
def plain_township(db) -> Organization:
    """A township federation of 通海县 outside 侨乡."""
    return OrganizationFactory(name="普通镇侨联", kind=OrganizationKind.TOWNSHIP, region=RegionFactory(name="普通镇"),
                               status=S.ACTIVE)


@pytest.fixture
def county(db) -> Organization:
    return OrganizationFactory(name="通海县侨联", kind=OrganizationKind.COUNTY, region=region("530423"), status=S.ACTIVE)


@pytest.fixture
def foreign(db) -> Organization:
    return OrganizationFactory(name="华宁县侨联", kind=OrganizationKind.COUNTY, region=region("530424"), status=S.ACTIVE)


def upload(name="签到表.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def message_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# ---- the tier rule of Jiangxi 14 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "level", "tier"), [
    ("county", "county", "county"), ("township", "township", "township"), ("village", "village", "village"),
    ("joint", "township", "township"), ("joint", "city", None), ("enterprise", "county", None), ("group", "village", None),
    ("branch", "township", None), ("association", "county", None), ("university", "county", None),
])
def test_the_tier_is_the_federations_own_level(kind, level, tier):
    assert network.wechat_tier(kind, level) == tier


@pytest.mark.parametrize(("tier", "qiaoxiang", "required"), [
    ("county", False, True), ("county", True, True), ("township", True, True), ("village", True, True),
    ("township", False, False), ("village", False, False), (None, True, False),
])
def test_county_groups_everywhere_township_and_village_groups_in_qiaoxiang_only(tier, qiaoxiang, required):
    assert network.tier_required(tier, in_qiaoxiang=qiaoxiang) is required


def test_a_key_area_and_everything_below_it_is_qiaoxiang():
    village = RegionFactory(parent=hexi(), level=RegionLevel.VILLAGE, name="河西某村")
    assert network.place_in_qiaoxiang(hexi()) and network.place_in_qiaoxiang(village)
    assert not network.place_in_qiaoxiang(region("530423")) and not network.place_in_qiaoxiang(RegionFactory())


def test_the_rule_names_the_missing_kinds(township, plain_township, county, tonghai_official):
    rule = network.organization_wechat_rule(township)
    assert (rule.tier, rule.in_qiaoxiang, rule.required) == ("township", True, True)
    assert [str(k) for k in rule.missing] == ["海外联谊群", "侨界服务群"] and "侨乡地区的乡镇级侨联应建两类" in rule.reason
    network.wechat_group_add(organization=township, actor=tonghai_official, kind="overseas", name="河西海外乡亲群", member_count=80)
    assert [str(k) for k in network.organization_wechat_rule(township).missing] == ["侨界服务群"]
    assert network.organization_wechat_rule(county).required  # 县级: everywhere
    outside = network.organization_wechat_rule(plain_township)
    assert not outside.required and outside.missing == [] and "不属侨乡" in outside.reason
    county.status = S.DISSOLVED
    assert not network.organization_wechat_rule(county).required


def test_a_group_of_an_organization_without_a_tier_is_refused(tonghai_official):
    group = OrganizationFactory(name="某企业侨联小组", kind=OrganizationKind.GROUP, region=region("530423"))
    with pytest.raises(ValidationError) as refused:
        network.wechat_group_add(organization=group, actor=tonghai_official, kind="service", name="小组群")
    assert "依托村级、镇级、县级侨联建设（江西第14条）" in message_of(refused.value) and "侨联小组" in message_of(refused.value)
    assert not WechatGroup.objects.exists()


def test_a_group_outside_qiaoxiang_is_kept_with_a_warning(plain_township, township, tonghai_official):
    network.wechat_group_add(organization=plain_township, actor=tonghai_official, kind="service", name="普通镇服务群")
    assert WechatGroup.objects.filter(name="普通镇服务群").exists()
    assert "不要求建群" in network.wechat_group_warning(plain_township)
    assert network.wechat_group_warning(township) is None


# ---- services: each part, and who may write ---------------------------------------------------------------------------


def test_wechat_groups_added_changed_removed(township, tonghai_official, day):
    group = network.wechat_group_add(organization=township, actor=tonghai_official, kind="service", name=" 河西侨界服务群 ",
                                     member_count=120, counted_on=day(3))
    assert group.name == "河西侨界服务群"
    with pytest.raises(ValidationError, match="已登记微信群“河西侨界服务群”"):
        network.wechat_group_add(organization=township, actor=tonghai_official, kind="overseas", name="河西侨界服务群")
    with pytest.raises(ValidationError, match="不能是将来的日期"):
        network.wechat_group_update(group=group, actor=tonghai_official, counted_on=day(-2))
    with pytest.raises(ValidationError, match="不能在此修改：organization"):
        network.wechat_group_update(group=group, actor=tonghai_official, organization=township)
    network.wechat_group_update(group=group, actor=tonghai_official, member_count=150)
    group.refresh_from_db()
    assert (group.member_count, group.counted_on) == (150, day(3))
    network.wechat_group_remove(group=group, actor=tonghai_official)
    assert not WechatGroup.objects.exists()


@pytest.mark.parametrize("who", ["huaning_official", "yuxi_leader"])
def test_other_counties_and_leadership_write_nothing(who, request, township, tonghai_official):
    outsider = request.getfixturevalue(who)
    group = network.wechat_group_add(organization=township, actor=tonghai_official, kind="service", name="河西群")
    attempts = [
        lambda: network.wechat_group_add(organization=township, actor=outsider, kind="overseas", name="外来群"),
        lambda: network.wechat_group_update(group=group, actor=outsider, name="改名"),
        lambda: network.wechat_group_remove(group=group, actor=outsider),
        lambda: network.affiliated_association_add(organization=township, actor=outsider, kind="chamber", name="外来商会"),
        lambda: network.overseas_association_add(organization=township, actor=outsider, country="泰国", name="外来会馆"),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="您无权修改“河西镇侨联”"):
            attempt()
    assert list(WechatGroup.objects.values_list("name", flat=True)) == ["河西群"]
    assert not AffiliatedAssociation.objects.exists() and not OverseasAssociation.objects.exists()


@pytest.mark.parametrize(("kind", "label"), [("experts", "特聘专家委员会"), ("innovation", "侨创联盟"),
                                             ("student_families", "留学生眷属联谊会")])
def test_the_kinds_jiangxi_18_names(kind, label, township, tonghai_official):
    association = network.affiliated_association_add(organization=township, actor=tonghai_official, kind=kind,
                                                     name=f"河西{label}")
    assert association.get_kind_display() == label


def test_affiliated_and_overseas_associations(township, tonghai_official, day):
    chamber = network.affiliated_association_add(organization=township, actor=tonghai_official, kind="chamber",
                                                 name="河西侨商会", since=day(100))
    with pytest.raises(ValidationError, match="已登记涉侨社团“河西侨商会”"):
        network.affiliated_association_add(organization=township, actor=tonghai_official, kind="youth", name="河西侨商会")
    with pytest.raises(ValidationError, match="请填写社团名称"):
        network.affiliated_association_add(organization=township, actor=tonghai_official, kind="youth", name="  ")
    with pytest.raises(ValidationError):
        network.affiliated_association_add(organization=township, actor=tonghai_official, kind="nonsense", name="某会")
    network.affiliated_association_update(association=chamber, actor=tonghai_official, kind="innovation", name="河西侨创联盟")
    chamber.refresh_from_db()
    assert (chamber.kind, chamber.name) == ("innovation", "河西侨创联盟")
    paired = network.overseas_association_add(organization=township, actor=tonghai_official, country="泰国",
                                              name="泰国云南会馆", since=day(10))
    with pytest.raises(ValidationError, match="已与泰国的“泰国云南会馆”结对"):
        network.overseas_association_add(organization=township, actor=tonghai_official, country="泰国", name="泰国云南会馆")
    network.overseas_association_add(organization=township, actor=tonghai_official, country="缅甸", name="泰国云南会馆")
    with pytest.raises(ValidationError, match="请填写国家"):
        network.overseas_association_update(association=paired, actor=tonghai_official, country="")
    network.overseas_association_remove(association=paired, actor=tonghai_official)
    network.affiliated_association_remove(association=chamber, actor=tonghai_official)
    assert OverseasAssociation.objects.count() == 1 and not AffiliatedAssociation.objects.exists()


def test_alumni_links_name_a_university_federation_within_reach(township, county, foreign, tonghai_official):
    university = OrganizationFactory(name="通海某学院侨联", kind=OrganizationKind.UNIVERSITY, region=region("530423"))
    far_university = OrganizationFactory(name="华宁某学院侨联", kind=OrganizationKind.UNIVERSITY, region=region("530424"))
    link = network.alumni_link_add(organization=county, actor=tonghai_official, university_federation=university,
                                   alumni_association="通海籍校友会")
    with pytest.raises(ValidationError) as refused:
        network.alumni_link_add(organization=county, actor=tonghai_official, university_federation=far_university,
                                alumni_association="某校友会")
    assert "请选择您辖区内" in message_of(refused.value) and "华宁" not in message_of(refused.value)
    with pytest.raises(ValidationError, match="请选择您辖区内"):  # not a university federation
        network.alumni_link_add(organization=county, actor=tonghai_official, university_federation=township,
                                alumni_association="某校友会")
    with pytest.raises(ValidationError, match="由地方侨联建立"):
        network.alumni_link_add(organization=university, actor=tonghai_official, university_federation=university,
                                alumni_association="某校友会")
    network.alumni_link_update(link=link, actor=tonghai_official, alumni_association="通海校友联谊会")
    assert AlumniLink.objects.get().alumni_association == "通海校友联谊会"
    network.alumni_link_remove(link=link, actor=tonghai_official)
    assert not AlumniLink.objects.exists()


def test_contact_points_and_their_log(township, tonghai_official, yuxi_staff, huaning_official, yuxi_leader, day):
    eligible = set(network.cadre_choices(township).values_list("username", flat=True))
    assert {"tonghai_official", "yuxi_staff", "yunnan_staff"} <= eligible
    assert not {"huaning_official", "yuxi_leader", "admin"} & eligible
    contact = network.cadre_contact_add(organization=township, actor=tonghai_official, cadre=yuxi_staff, since=day(30))
    with pytest.raises(ValidationError, match="已是“河西镇侨联”的联系干部"):
        network.cadre_contact_add(organization=township, actor=tonghai_official, cadre=yuxi_staff, since=day(20))
    with pytest.raises(ValidationError, match="联系干部应为本组织所在地或上级"):
        network.cadre_contact_add(organization=township, actor=tonghai_official, cadre=huaning_official, since=day(20))
    log = network.contact_log_add(contact=contact, actor=yuxi_staff, date=day(5), way="visit", note="走访指导换届筹备")
    assert (log.recorded_by, contact.logs.count()) == (yuxi_staff, 1)
    for date, message in ((day(40), "早于联系起始日期"), (day(-1), "不能是将来的日期")):
        with pytest.raises(ValidationError, match=message):
            network.contact_log_add(contact=contact, actor=yuxi_staff, date=date, way="phone", note="电话")
    with pytest.raises(ValidationError, match="请填写联系内容"):
        network.contact_log_add(contact=contact, actor=yuxi_staff, date=day(2), way="phone", note=" ")
    with pytest.raises(ValidationError, match="晚于已记录的最早联系"):
        network.cadre_contact_update(contact=contact, actor=tonghai_official, since=day(2))
    with pytest.raises(ValidationError, match="您无权修改"):
        network.contact_log_add(contact=contact, actor=yuxi_leader, date=day(2), way="phone", note="电话")
    network.contact_log_remove(log=log, actor=tonghai_official)
    network.contact_log_add(contact=contact, actor=yuxi_staff, date=day(1), way="meeting", note="座谈")
    network.cadre_contact_remove(contact=contact, actor=tonghai_official)
    assert not CadreContact.objects.exists() and not CadreContactLog.objects.exists()


def test_attachments_checked_kept_and_removed(township, tonghai_official, day, django_capture_on_commit_callbacks, monkeypatch):
    activity = Activity.objects.create(organization=township, duty="liaison", title="中秋联谊", held_on=day(3))
    attachment = network.activity_attachment_add(activity=activity, actor=tonghai_official, file=upload())
    assert (attachment.name, attachment.size) == ("签到表.pdf", len(PDF_BYTES))
    stored = attachment.file.name
    assert stored.startswith(f"orgs/activities/{township.pk}/{activity.pk}/") and attachment.file.storage.exists(stored)
    with pytest.raises(ValidationError, match=r"内容与扩展名 \.pdf 不符"):
        network.activity_attachment_add(activity=activity, actor=tonghai_official, file=upload(content=b"MZ not a pdf"))
    with pytest.raises(ValidationError, match=r"不支持的文件类型“\.exe”"):
        network.activity_attachment_add(activity=activity, actor=tonghai_official, file=upload("setup.exe"))
    monkeypatch.setattr("orgs.common.documents.DOCUMENT_MAX_BYTES", 10)
    with pytest.raises(ValidationError, match="超过上限"):
        network.activity_attachment_add(activity=activity, actor=tonghai_official, file=upload())
    with django_capture_on_commit_callbacks(execute=True):
        network.activity_attachment_remove(attachment=attachment, actor=tonghai_official)
    assert not ActivityAttachment.objects.exists() and not attachment.file.storage.exists(stored)


def test_an_activity_logged_with_a_file_gets_its_first_attachment(township, tonghai_official, day, pdf):
    from orgs.organizations.services import activity_create

    activity = activity_create(organization=township, actor=tonghai_official, duty="culture", title="演出", held_on=day(1),
                               attachment=pdf)
    assert [a.name for a in activity.attachments.all()] == ["方案.pdf"]


# ---- pages -----------------------------------------------------------------------------------------------------------------

PAGE_WRITES = [
    # part, a valid add form, the row's model, a valid edit form
    ("wechat-group", {"kind": "overseas", "name": "河西海外乡亲群", "member_count": "186"}, WechatGroup,
     {"kind": "overseas", "name": "河西海外乡亲联谊群", "member_count": "190"}),
    ("affiliated-association", {"kind": "experts", "name": "河西特聘专家委员会"}, AffiliatedAssociation,
     {"kind": "experts", "name": "河西镇特聘专家委员会"}),
    ("overseas-association", {"country": "泰国", "name": "泰国云南会馆"}, OverseasAssociation,
     {"country": "泰国", "name": "泰国云南同乡会"}),
]


@pytest.mark.parametrize(("part", "add", "model", "edit"), PAGE_WRITES, ids=[w[0] for w in PAGE_WRITES])
def test_each_part_through_its_page_forms(part, add, model, edit, township, tonghai_client, client_for, huaning_official,
                                         leader_client):
    page = reverse("organizations:detail", args=[township.pk])
    create = reverse(f"organizations:{part}-create", args=[township.pk])
    assert leader_client.post(create, add).status_code == 403
    assert client_for(huaning_official).post(create, add).status_code == 404
    assert not model.objects.exists()
    response = tonghai_client.post(create, add)
    assert response.status_code == 302 and response["Location"] == f"{page}#network"
    row = model.objects.get()
    assert add["name"] in tonghai_client.get(page).content.decode()

    edit_url = reverse(f"organizations:{part}-edit", args=[row.pk])
    assert f'value="{add["name"]}"' in tonghai_client.get(edit_url).content.decode()
    assert client_for(huaning_official).get(edit_url).status_code == 404
    assert leader_client.get(edit_url).status_code == 403
    assert tonghai_client.post(edit_url, {**edit, "name": ""}).status_code == 400
    assert tonghai_client.post(edit_url, edit).status_code == 302
    row.refresh_from_db()
    assert row.name == edit["name"]

    remove = reverse(f"organizations:{part}-remove", args=[row.pk])
    assert client_for(huaning_official).post(remove).status_code == 404
    assert leader_client.post(remove).status_code == 403
    assert model.objects.exists()
    assert tonghai_client.post(remove).status_code == 302 and not model.objects.exists()


def test_the_page_shows_the_groups_jiangxi_14_asks_for(township, plain_township, tonghai_client):
    body = tonghai_client.get(reverse("organizations:detail", args=[township.pk])).content.decode()
    assert "侨乡地区的乡镇级侨联应建两类地缘性微信群" in body
    assert body.count("rule__kind--missing") == 2 and 'data-testid="wechat-group-form"' in body
    response = tonghai_client.post(reverse("organizations:wechat-group-create", args=[plain_township.pk]),
                                   {"kind": "service", "name": "普通镇服务群", "member_count": "5"}, follow=True)
    body = response.content.decode()
    assert "已添加微信群" in body and "不要求建群" in body and "alert--warning" in body


def test_an_organization_without_a_tier_is_offered_no_group_form(tonghai_client):
    group = OrganizationFactory(name="某侨联小组", kind=OrganizationKind.GROUP, region=region("530423"))
    body = tonghai_client.get(reverse("organizations:detail", args=[group.pk])).content.decode()
    assert 'data-testid="wechat-group-form"' not in body and "不登记地缘性微信群" in body
    refused = tonghai_client.post(reverse("organizations:wechat-group-create", args=[group.pk]),
                                  {"kind": "service", "name": "小组群", "member_count": "3"})
    assert refused.status_code == 400 and "不能登记" in refused.content.decode()


def test_a_refused_form_is_shown_again_with_its_message(township, tonghai_client, day):
    future = day(-5).isoformat()
    response = tonghai_client.post(reverse("organizations:overseas-association-create", args=[township.pk]),
                                   {"country": "泰国", "name": "泰国会馆", "since": future})
    body = response.content.decode()
    assert response.status_code == 400 and f"结对日期 {future} 晚于今天" in body
    assert '<details class="part-form" open><summary>添加海外社团' in body


def test_contact_points_and_log_through_the_page(township, tonghai_client, client_for, huaning_official, yuxi_staff, day):
    add = tonghai_client.post(reverse("organizations:cadre-contact-create", args=[township.pk]),
                              {"cadre": yuxi_staff.pk, "since": day(30).isoformat()})
    assert add.status_code == 302, add.content.decode()[:2000]
    contact = CadreContact.objects.get()
    log_url = reverse("organizations:contact-log-create", args=[contact.pk])
    assert client_for(huaning_official).post(log_url, {"date": day(2).isoformat(), "way": "visit", "note": "走访"}).status_code == 404
    refused = tonghai_client.post(log_url, {"date": day(40).isoformat(), "way": "visit", "note": "走访"})
    assert refused.status_code == 400 and "早于联系起始日期" in refused.content.decode()
    assert tonghai_client.post(log_url, {"date": day(2).isoformat(), "way": "visit", "note": "走访指导"}).status_code == 302
    body = tonghai_client.get(reverse("organizations:detail", args=[township.pk])).content.decode()
    assert "走访指导" in body and "1 次联系记录" in body
    edit = reverse("organizations:cadre-contact-edit", args=[contact.pk])
    assert tonghai_client.post(edit, {"since": day(10).isoformat()}).status_code == 302
    log = CadreContactLog.objects.get()
    assert tonghai_client.post(reverse("organizations:contact-log-remove", args=[log.pk])).status_code == 302
    assert tonghai_client.post(reverse("organizations:cadre-contact-remove", args=[contact.pk])).status_code == 302
    assert not CadreContact.objects.exists()


def test_attachments_upload_and_download_within_scope(township, tonghai_client, client_for, huaning_official, leader_client,
                                                      day):
    activity = Activity.objects.create(organization=township, duty="liaison", title="中秋联谊", held_on=day(3))
    create = reverse("organizations:attachment-create", args=[activity.pk])
    assert client_for(huaning_official).post(create, {"file": upload()}).status_code == 404
    assert leader_client.post(create, {"file": upload()}).status_code == 403
    refused = tonghai_client.post(create, {"file": upload("照片.png", PDF_BYTES)})
    assert refused.status_code == 400 and "内容与扩展名 .png 不符" in refused.content.decode()
    assert tonghai_client.post(create, {"file": upload()}).status_code == 302
    attachment = ActivityAttachment.objects.get()
    download = reverse("organizations:attachment-download", args=[attachment.pk])
    assert download in tonghai_client.get(reverse("organizations:detail", args=[township.pk])).content.decode()
    for client in (tonghai_client, leader_client):
        response = client.get(download)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
        assert "attachment" in response["Content-Disposition"]
    assert client_for(huaning_official).get(download).status_code == 404
    assert client_for(huaning_official).post(reverse("organizations:attachment-remove", args=[attachment.pk])).status_code == 404
    assert tonghai_client.post(reverse("organizations:attachment-remove", args=[attachment.pk])).status_code == 302
    assert not ActivityAttachment.objects.exists()


def test_writes_from_the_page_are_audited_with_their_actor(township, tonghai_client, tonghai_official):
    tonghai_client.post(reverse("organizations:wechat-group-create", args=[township.pk]),
                        {"kind": "service", "name": "河西服务群", "member_count": "9"})
    group = WechatGroup.objects.get()
    tonghai_client.post(reverse("organizations:wechat-group-remove", args=[group.pk]))
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(WechatGroup), object_pk=str(group.pk))
    assert [(e.action, e.actor) for e in entries.order_by("pk")] == [
        (LogEntry.Action.CREATE, tonghai_official), (LogEntry.Action.DELETE, tonghai_official),
    ]


def _fill(organization, n: int, actor, day) -> None:
    university = OrganizationFactory(kind=OrganizationKind.UNIVERSITY, region=organization.region)
    for i in range(n):
        network.wechat_group_add(organization=organization, actor=actor, kind="service", name=f"群{i}")
        network.affiliated_association_add(organization=organization, actor=actor, kind="chamber", name=f"商会{i}")
        network.overseas_association_add(organization=organization, actor=actor, country="泰国", name=f"会馆{i}")
        network.alumni_link_add(organization=organization, actor=actor, university_federation=university,
                                alumni_association=f"校友会{i}")
        activity = Activity.objects.create(organization=organization, duty="liaison", title=f"活动{i}", held_on=day(2))
        network.activity_attachment_add(activity=activity, actor=actor, file=upload(f"附件{i}.pdf"))


def test_the_page_reads_in_the_same_number_of_queries_however_many_parts(township, plain_township, tonghai_official,
                                                                        tonghai_client, day):
    from tests.factories import MembershipFactory

    _fill(township, 1, tonghai_official, day)
    _fill(plain_township, 8, tonghai_official, day)
    for organization, n in ((township, 1), (plain_township, 8)):
        for i in range(n):
            cadre = MembershipFactory(region=region("530423")).user
            contact = network.cadre_contact_add(organization=organization, actor=tonghai_official, cadre=cadre, since=day(9))
            network.contact_log_add(contact=contact, actor=tonghai_official, date=day(3), way="phone", note=f"电话{i}")
    counts = []
    for organization in (township, plain_township):
        with CaptureQueriesContext(connection) as captured:
            assert tonghai_client.get(reverse("organizations:detail", args=[organization.pk])).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


# ---- API -------------------------------------------------------------------------------------------------------------------

API = "/api/organizations/"


def test_parts_through_the_api(township, foreign, tonghai_api, leader_api, api_client_for, huaning_official, day):
    url = f"{API}{township.pk}/wechat-groups/"
    created = tonghai_api.post(url, {"kind": "overseas", "name": "河西海外群", "member_count": 50}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["warning"] is None
    group_url = f"{url}{created.json()['id']}/"
    assert tonghai_api.patch(group_url, {"member_count": 60}, format="json").json()["member_count"] == 60
    refused = tonghai_api.patch(group_url, {"counted_on": day(-1).isoformat()}, format="json")
    assert refused.status_code == 400 and "不能是将来的日期" in refused.json()["counted_on"][0]
    assert leader_api.patch(group_url, {"member_count": 1}, format="json").status_code == 403
    huaning = api_client_for(huaning_official)
    assert huaning.get(group_url).status_code == 404 and huaning.delete(group_url).status_code == 404
    # a part of one organization is not reachable through another's path
    huaning_group = WechatGroup.objects.create(organization=foreign, kind="service", name="华宁群")
    assert tonghai_api.get(f"{url}{huaning_group.pk}/").status_code == 404
    assert tonghai_api.delete(f"{url}{huaning_group.pk}/").status_code == 404
    assert WechatGroup.objects.filter(pk=huaning_group.pk).exists()
    detail = tonghai_api.get(f"{API}{township.pk}/").json()
    assert detail["wechat_rule"]["missing"] == ["侨界服务群"] and detail["wechat_groups"][0]["name"] == "河西海外群"
    assert tonghai_api.delete(group_url).status_code == 204 and not WechatGroup.objects.filter(organization=township).exists()

    affiliated = tonghai_api.post(f"{API}{township.pk}/affiliated-associations/", {"kind": "student_families",
                                  "name": "河西留学生眷属联谊会"}, format="json")
    assert affiliated.status_code == 201 and affiliated.json()["kind"] == "student_families"
    overseas = tonghai_api.post(f"{API}{township.pk}/overseas-associations/", {"country": "缅甸", "name": "缅甸云南会馆"},
                                format="json")
    assert overseas.status_code == 201
    assert tonghai_api.put(f"{API}{township.pk}/overseas-associations/{overseas.json()['id']}/",
                           {"country": "缅甸", "name": "缅甸云南同乡会"}, format="json").status_code == 200
    assert OverseasAssociation.objects.get().name == "缅甸云南同乡会"


def test_contacts_logs_and_attachments_through_the_api(township, tonghai_api, yuxi_staff, day):
    base = f"{API}{township.pk}"
    refused = tonghai_api.post(f"{base}/cadre-contacts/", {"cadre": "huaning_official", "since": day(9).isoformat()}, format="json")
    assert refused.status_code == 400 and "cadre" in refused.json()
    contact = tonghai_api.post(f"{base}/cadre-contacts/", {"cadre": "yuxi_staff", "since": day(9).isoformat()}, format="json")
    assert contact.status_code == 201, contact.content
    logs = f"{base}/cadre-contacts/{contact.json()['id']}/logs/"
    log = tonghai_api.post(logs, {"date": day(2).isoformat(), "way": "meeting", "note": "座谈"}, format="json")
    assert log.status_code == 201 and log.json()["recorded_by"] == "tonghai_official"
    assert tonghai_api.get(f"{base}/cadre-contacts/{contact.json()['id']}/").json()["log_count"] == 1
    assert tonghai_api.delete(f"{logs}{log.json()['id']}/").status_code == 204

    activity = Activity.objects.create(organization=township, duty="liaison", title="联谊", held_on=day(3))
    files = f"{base}/activities/{activity.pk}/attachments/"
    added = tonghai_api.post(files, {"file": upload()}, format="multipart")
    assert added.status_code == 201, added.content
    download = tonghai_api.get(added.json()["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
    assert tonghai_api.get(f"{base}/activities/").json()[0]["attachments"][0]["name"] == "签到表.pdf"
    assert tonghai_api.delete(f"{files}{added.json()['id']}/").status_code == 204


def test_the_schema_describes_the_network_routes_and_their_answers(township, tonghai_api, api_client_for, admin_user):
    import json

    from tests.test_api import assert_matches_schema

    openapi = json.loads(api_client_for(admin_user).get("/api/schema/", {"format": "json"}).content)
    for path in ("wechat-groups/", "wechat-groups/{part_id}/", "affiliated-associations/", "overseas-associations/{part_id}/",
                 "alumni-links/", "cadre-contacts/{part_id}/logs/", "activities/{part_id}/attachments/{attachment_id}/download/"):
        assert f"/api/organizations/{{id}}/{path}" in openapi["paths"], path
    tonghai_api.post(f"{API}{township.pk}/wechat-groups/", {"kind": "service", "name": "河西服务群"}, format="json")
    assert_matches_schema(openapi, "/api/organizations/{id}/", tonghai_api.get(f"{API}{township.pk}/").json())
    assert_matches_schema(openapi, "/api/organizations/{id}/wechat-groups/", tonghai_api.get(f"{API}{township.pk}/wechat-groups/").json())
