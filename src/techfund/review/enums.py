from django.db import models
from django.utils.translation import gettext_lazy as _


class ExpertStatus(models.TextChoices):
    ACTIVE = "active", _("在库")
    SUSPENDED = "suspended", _("暂停")
    BANNED = "banned", _("禁入")


class ReviewMethod(models.TextChoices):
    REMOTE = "remote", _("通讯评审")
    MEETING = "meeting", _("会议论证")
    SITE_VISIT = "site_visit", _("现场考核")
    COMPETITION = "competition", _("以赛代评")


class RoundState(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    OPEN = "open", _("评审中")
    CLOSED = "closed", _("已结束")


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", _("已分配")
    SUBMITTED = "submitted", _("已评分")
    DECLINED = "declined", _("已回避/拒绝")


class Recommendation(models.TextChoices):
    SUPPORT = "support", _("建议支持")
    SUPPORT_REVISED = "support_revised", _("修改后支持")
    NOT_SUPPORT = "not_support", _("不建议支持")
