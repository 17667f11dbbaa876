"""Scope-matrix cases of the organization's network (issue 16 §3): the page routes that add, change and remove WeChat
groups, 1+N and 1+Y associations, alumni links, contact points and their log, activity attachments (and download
them), and the nested API routes of the same. Each object is a 县级侨联 of the county with one part of each kind, all
named after the county, so a 通海县 official must never reach a 华宁县 one."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from orgs.organizations.founding import OrganizationStatus
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
from tests.scope.registry import API, OWN_REGION, WEB, Placed, Probe, RouteCase, Write, register

CADRES = {OWN_REGION: "tonghai_official"}  # the foreign county's contact cadre: huaning_official
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def _short(region) -> str:
    return region.name[:2]


def _today() -> str:
    return timezone.localdate().isoformat()


@dataclass
class Network:
    organization: Organization
    university: Organization
    group: WechatGroup
    affiliated: AffiliatedAssociation
    overseas: OverseasAssociation
    link: AlumniLink
    contact: CadreContact
    log: CadreContactLog
    attachment: ActivityAttachment


def _network(region, tag: str) -> Network:
    """A 县级侨联 of `region` with one part of each kind; every name carries the county and `tag`."""
    name = f"{_short(region)}{tag}"
    organization = Organization.objects.create(name=f"{name}矩阵网络侨联", kind=OrganizationKind.COUNTY, region=region,
                                               status=OrganizationStatus.ACTIVE)
    university = Organization.objects.create(name=f"{name}矩阵高校侨联", kind=OrganizationKind.UNIVERSITY, region=region)
    cadre = get_user_model().objects.get(username=CADRES.get(region.code, "huaning_official"))
    contact = CadreContact.objects.create(organization=organization, cadre=cadre, since=timezone.localdate() - dt.timedelta(days=7))
    activity = Activity.objects.create(organization=organization, duty="liaison", title=f"{name}矩阵活动",
                                       held_on=timezone.localdate() - dt.timedelta(days=3))
    attachment = ActivityAttachment(activity=activity, name=f"{name}矩阵附件.pdf", size=20)
    attachment.file.save(f"{name}.pdf", ContentFile(f"%PDF-1.4 {name}矩阵附件".encode()), save=False)
    attachment.save()
    return Network(
        organization=organization,
        university=university,
        group=WechatGroup.objects.create(organization=organization, kind="service", name=f"{name}矩阵微信群", member_count=9),
        affiliated=AffiliatedAssociation.objects.create(organization=organization, kind="chamber", name=f"{name}矩阵侨商会"),
        overseas=OverseasAssociation.objects.create(organization=organization, country="泰国", name=f"{name}矩阵会馆"),
        link=AlumniLink.objects.create(organization=organization, university_federation=university,
                                       alumni_association=f"{name}矩阵校友会"),
        contact=contact,
        log=CadreContactLog.objects.create(contact=contact, date=timezone.localdate() - dt.timedelta(days=1), way="visit",
                                           note=f"{name}矩阵联系记录"),
        attachment=attachment,
    )


def _rows():
    return [
        list(WechatGroup.objects.order_by("pk").values_list("pk", "organization_id", "kind", "name", "member_count", "counted_on")),
        list(AffiliatedAssociation.objects.order_by("pk").values_list("pk", "organization_id", "kind", "name", "since")),
        list(OverseasAssociation.objects.order_by("pk").values_list("pk", "organization_id", "country", "name", "since")),
        list(AlumniLink.objects.order_by("pk").values_list("pk", "organization_id", "university_federation_id", "alumni_association", "since")),
        list(CadreContact.objects.order_by("pk").values_list("pk", "organization_id", "cadre_id", "since")),
        list(CadreContactLog.objects.order_by("pk").values_list("pk", "contact_id", "date", "way", "note")),
        list(ActivityAttachment.objects.order_by("pk").values_list("pk", "activity_id", "name", "file")),
    ]


def _placed(label: str, tag: str, pick, marker) -> Placed:
    return Placed(label, make=lambda region: pick(_network(region, tag)), markers=lambda obj: (marker(obj),), rows=_rows)


# The organization itself (add routes, API collections), and one placed kind per part (edit, remove, item routes).
NETWORK = _placed("network", "组织", lambda n: n, lambda n: n.organization.name)
GROUP = _placed("network-wechat-group", "群", lambda n: n.group, lambda g: g.name)
AFFILIATED = _placed("network-affiliated", "社", lambda n: n.affiliated, lambda a: a.name)
OVERSEAS = _placed("network-overseas", "外", lambda n: n.overseas, lambda a: a.name)
LINK = _placed("network-alumni-link", "校", lambda n: n.link, lambda link: link.alumni_association)
CONTACT = _placed("network-contact", "联", lambda n: n.contact, lambda c: c.organization.name)
LOG = _placed("network-contact-log", "记", lambda n: n.log, lambda log: log.note)
ATTACHMENT = _placed("network-attachment", "附", lambda n: n.attachment, lambda a: a.name.removesuffix(".pdf"))


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 matrix\n%%EOF\n", content_type="application/pdf")


def _cadre_pk() -> int:
    return get_user_model().objects.get(username="yuxi_staff").pk


ADD_BODIES = {
    "wechat-group": lambda world, n, region: {"kind": "overseas", "name": "新建矩阵群", "member_count": "3"},
    "affiliated-association": lambda world, n, region: {"kind": "experts", "name": "新建矩阵专家委"},
    "overseas-association": lambda world, n, region: {"country": "缅甸", "name": "新建矩阵会馆"},
    "alumni-link": lambda world, n, region: {"university_federation": n.university.pk, "alumni_association": "新建矩阵校友会"},
    "cadre-contact": lambda world, n, region: {"cadre": _cadre_pk(), "since": _today()},
}
EDIT_BODIES = {
    "wechat-group": (GROUP, lambda world, g, region: {"kind": g.kind, "name": g.name + "改", "member_count": "10"}),
    "affiliated-association": (AFFILIATED, lambda world, a, region: {"kind": "youth", "name": a.name + "改"}),
    "overseas-association": (OVERSEAS, lambda world, a, region: {"country": "缅甸", "name": a.name}),
    "alumni-link": (LINK, lambda world, link, region: {"university_federation": link.university_federation_id,
                                                       "alumni_association": link.alumni_association + "改"}),
    "cadre-contact": (CONTACT, lambda world, c, region: {"since": (c.since - dt.timedelta(days=1)).isoformat()}),
}
by_org = lambda n: {"pk": n.organization.pk}  # noqa: E731
by_pk = lambda obj: {"pk": obj.pk}  # noqa: E731

# ---- pages ---------------------------------------------------------------------------------------------------------

for part, body in ADD_BODIES.items():
    placed, edit_body = EDIT_BODIES[part]
    register(
        RouteCase(f"organizations:{part}-create", WEB, NETWORK, kwargs=by_org, methods=(), reads=(),
                  writes=(Write("POST", body),)),
        RouteCase(f"organizations:{part}-edit", WEB, placed, kwargs=by_pk, writes=(Write("POST", edit_body),),
                  leader_reads=False),
        RouteCase(f"organizations:{part}-remove", WEB, placed, kwargs=by_pk, methods=(), reads=(),
                  writes=(Write("POST", action="delete"),)),
    )

register(
    RouteCase("organizations:contact-log-create", WEB, LOG, kwargs=lambda log: {"pk": log.contact_id}, methods=(), reads=(),
              writes=(Write("POST", lambda world, log, region: {"date": _today(), "way": "phone", "note": "矩阵电话"}),)),
    RouteCase("organizations:contact-log-remove", WEB, LOG, kwargs=by_pk, methods=(), reads=(),
              writes=(Write("POST", action="delete"),)),
    RouteCase("organizations:attachment-create", WEB, ATTACHMENT, kwargs=lambda a: {"pk": a.activity_id}, methods=(), reads=(),
              writes=(Write("POST", lambda world, a, region: {"file": _pdf("矩阵上传.pdf")}),)),
    RouteCase("organizations:attachment-remove", WEB, ATTACHMENT, kwargs=by_pk, methods=(), reads=(),
              writes=(Write("POST", action="delete"),)),
    RouteCase("organizations:attachment-download", WEB, ATTACHMENT, kwargs=by_pk),
)

# ---- API -------------------------------------------------------------------------------------------------------------

API_COLLECTIONS = {
    # route name of the collection and of one item, the item's placed kind, a valid add, a change (PATCH) and a
    # whole replacement (PUT)
    "wechat-groups": ("wechat-group", GROUP, {"kind": "overseas", "name": "接口矩阵群", "member_count": 3},
                      lambda world, g, region: {"member_count": g.member_count + 1},
                      lambda world, g, region: {"kind": "overseas", "name": g.name + "换", "member_count": 1}),
    "affiliated-associations": ("affiliated-association", AFFILIATED, {"kind": "innovation", "name": "接口矩阵侨创联盟"},
                                lambda world, a, region: {"name": a.name + "改"},
                                lambda world, a, region: {"kind": "legal", "name": a.name + "换"}),
    "overseas-associations": ("overseas-association", OVERSEAS, {"country": "老挝", "name": "接口矩阵会馆"},
                              lambda world, a, region: {"name": a.name + "改"},
                              lambda world, a, region: {"country": "越南", "name": a.name}),
    "cadre-contacts": ("cadre-contact", CONTACT, {"cadre": "yuxi_staff", "since": None},
                       lambda world, c, region: {"since": (c.since - dt.timedelta(days=1)).isoformat()},
                       lambda world, c, region: {"since": (c.since - dt.timedelta(days=2)).isoformat()}),
}


def _api_add(payload):
    return lambda world, n, region: {k: (_today() if k == "since" and v is None else v) for k, v in payload.items()}


def _item_kwargs(obj) -> dict:
    return {"pk": obj.organization_id, "part_id": obj.pk}


for collection, (item, placed, add, change, replace) in API_COLLECTIONS.items():
    register(
        RouteCase(f"api:organization-{collection}", API, NETWORK, kwargs=by_org, reads=(Probe(shows_own=False),),
                  writes=(Write("POST", _api_add(add), json=True),)),
        RouteCase(f"api:organization-{item}", API, placed, kwargs=_item_kwargs,
                  reads=(Probe(shows_own=placed is not CONTACT),),
                  writes=(Write("PATCH", change, json=True, name="patch"), Write("PUT", replace, json=True, name="put"),
                          Write("DELETE", action="delete", json=True, name="delete"))),
    )

register(
    RouteCase("api:organization-alumni-links", API, NETWORK, kwargs=by_org, reads=(Probe(shows_own=False),),
              writes=(Write("POST", lambda world, n, region: {"university_federation": n.university.pk,
                                                              "alumni_association": "接口矩阵校友会"}, json=True),)),
    RouteCase("api:organization-alumni-link", API, LINK, kwargs=_item_kwargs, writes=(
        Write("PATCH", lambda world, link, region: {"since": _today()}, json=True, name="patch"),
        Write("PUT", lambda world, link, region: {"university_federation": link.university_federation_id,
                                                  "alumni_association": link.alumni_association + "改"}, json=True, name="put"),
        Write("DELETE", action="delete", json=True, name="delete"),
    )),
    RouteCase("api:organization-contact-logs", API, LOG,
              kwargs=lambda log: {"pk": log.contact.organization_id, "part_id": log.contact_id},
              writes=(Write("POST", lambda world, log, region: {"date": _today(), "way": "online", "note": "接口矩阵"}, json=True),)),
    RouteCase("api:organization-contact-log", API, LOG,
              kwargs=lambda log: {"pk": log.contact.organization_id, "part_id": log.contact_id, "log_id": log.pk},
              writes=(Write("DELETE", action="delete", json=True),)),
    RouteCase("api:organization-attachments", API, ATTACHMENT,
              kwargs=lambda a: {"pk": a.activity.organization_id, "part_id": a.activity_id},
              writes=(Write("POST", lambda world, a, region: {"file": _pdf("接口矩阵.pdf")}),)),
    RouteCase("api:organization-attachment", API, ATTACHMENT,
              kwargs=lambda a: {"pk": a.activity.organization_id, "part_id": a.activity_id, "attachment_id": a.pk},
              writes=(Write("DELETE", action="delete", json=True),)),
    RouteCase("api:organization-attachment-download", API, ATTACHMENT,
              kwargs=lambda a: {"pk": a.activity.organization_id, "part_id": a.activity_id, "attachment_id": a.pk}),
)
