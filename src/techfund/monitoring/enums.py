from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportState(models.TextChoices):
    SUBMITTED = "submitted", _("已报送，待审核")
    ACCEPTED = "accepted", _("审核通过")
    RETURNED = "returned", _("已退回，待重报")


class ReviewDecision(models.TextChoices):
    ACCEPT = "accept", _("审核通过")
    RETURN = "return", _("退回重报")


class PeriodStatus(models.TextChoices):
    """Where one reporting period stands on a given day (derived, never stored)."""

    UPCOMING = "upcoming", _("未开始")
    OPEN = "open", _("报告期内，可报送")
    DUE = "due", _("报告期已结束，待报送")
    OVERDUE = "overdue", _("逾期未报")
    SUBMITTED = "submitted", _("已报送，待审核")
    ACCEPTED = "accepted", _("审核通过")


class RectificationState(models.TextChoices):
    ISSUED = "issued", _("已下达，待整改")
    RESPONDED = "responded", _("已报整改情况，待核验")
    CLOSED = "closed", _("整改完成")


class VerifyDecision(models.TextChoices):
    CLOSE = "close", _("整改到位，予以销号")
    REJECT = "reject", _("整改不到位，重新整改")


class SuggestedAction(models.TextChoices):
    CONTINUE = "continue", _("继续执行（督促整改）")
    SUSPEND = "suspend", _("暂停拨款")
    TERMINATE = "terminate", _("终止项目")
    RECOVER = "recover", _("追回已拨资金")


class EscalationState(models.TextChoices):
    OPEN = "open", _("待办公室处理")
    HANDLED = "handled", _("办公室已处理")
