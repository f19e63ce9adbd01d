from django.db import models
from django.utils.translation import gettext_lazy as _


class FrameworkState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报领导小组")
    APPROVED = "approved", _("已审定")
    RETURNED = "returned", _("已退回")


class ContributionState(models.TextChoices):
    RECORDED = "recorded", _("已入池")
    VOIDED = "voided", _("已冲销")
