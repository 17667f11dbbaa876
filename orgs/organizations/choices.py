"""The vocabularies of organizations and their parts (kinds, positions, group and association kinds, activity
duties, ways of contact), apart from the models so that the models module stays within its size. Code imports
them from `orgs.organizations.models`, like the models."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    """侨联组织类别."""

    COUNTY = "county", _("县级侨联")
    TOWNSHIP = "township", _("乡镇(街道)侨联")
    VILLAGE = "village", _("村(社区)侨联")
    ORGAN = "organ", _("机关侨联")
    UNIVERSITY = "university", _("高校侨联")
    ENTERPRISE = "enterprise", _("企业侨联")
    BRANCH = "branch", _("侨联分会")
    GROUP = "group", _("侨联小组")
    WORKSTATION = "workstation", _("侨联工作站")
    JOINT = "joint", _("跨区域联合侨联")
    ASSOCIATION = "association", _("涉侨社团")


class LeaderPosition(models.TextChoices):
    CHAIR = "chair", _("主席")
    VICE_CHAIR = "vice_chair", _("副主席")
    SECRETARY_GENERAL = "secretary_general", _("秘书长")
    MEMBER = "member", _("委员")


class Employment(models.TextChoices):
    FULL_TIME = "full_time", _("专职")
    PART_TIME = "part_time", _("兼职")


class WechatGroupKind(models.TextChoices):
    """The two kinds of 地缘性微信群 (Jiangxi 14): "一类是联系本乡本地在外侨胞的微信联谊群，另一类是联系本乡本地的
    侨界群众微信服务群"."""

    OVERSEAS = "overseas", _("海外联谊群")
    SERVICE = "service", _("侨界服务群")


class AssociationKind(models.TextChoices):
    """1+N: the 涉侨社团 a federation leads, in the order of Jiangxi 18: "对接侨联系统的特聘专家委员会、侨创联盟、
    侨商会、侨青委、留联会、留学生眷属联谊会、法顾委、文促会等涉侨社团"."""

    EXPERTS = "experts", _("特聘专家委员会")
    INNOVATION = "innovation", _("侨创联盟")
    CHAMBER = "chamber", _("侨商会")
    YOUTH = "youth", _("侨青委")
    RETURNED_STUDENTS = "returned_students", _("留联会")
    STUDENT_FAMILIES = "student_families", _("留学生眷属联谊会")
    LEGAL = "legal", _("法顾委")
    CULTURE = "culture", _("文促会")
    OTHER = "other", _("其他涉侨社团")


class ActivityDuty(models.TextChoices):
    """The duties of Yuxi plan 三(四)."""

    LIAISON = "liaison", _("联谊交流")
    INVESTMENT = "investment", _("引资引智")
    SURVEY = "survey", _("侨情调查")
    TRAINING = "training", _("技能培训")
    SERVICE = "service", _("便民服务")
    WELFARE = "welfare", _("民生保障")
    CULTURE = "culture", _("文艺活动")


class ContactWay(models.TextChoices):
    """How a cadre kept in touch with the organization they contact (Jiangxi 12: 指导、联络和帮扶)."""

    VISIT = "visit", _("走访")
    PHONE = "phone", _("电话")
    MEETING = "meeting", _("会议座谈")
    ONLINE = "online", _("微信/网络")
    OTHER = "other", _("其他")
