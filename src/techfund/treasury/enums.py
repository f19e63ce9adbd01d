from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountState(models.TextChoices):
    PENDING = "pending", _("待财政部门核验")
    VERIFIED = "verified", _("已核验，在用")
    SUPERSEDED = "superseded", _("已被新账户替换")
    REJECTED = "rejected", _("核验未通过")


class InstructionState(models.TextChoices):
    PENDING = "pending", _("待编入批次")
    BATCHED = "batched", _("已编入批次")
    CONFIRMED = "confirmed", _("国库已支付")
    RETURNED = "returned", _("国库退回")
    CANCELLED = "cancelled", _("已撤销")


#: Instructions whose money is on its way: they count against what may still be instructed or paid.
OPEN_INSTRUCTION_STATES = frozenset({InstructionState.PENDING, InstructionState.BATCHED})


class BatchState(models.TextChoices):
    DRAFT = "draft", _("待发送")
    SENT = "sent", _("已发送国库，待确认")
    RECONCILED = "reconciled", _("已全部对账")


class ConfirmationStatus(models.TextChoices):
    PAID = "paid", _("已支付")
    RETURNED = "returned", _("退回")


class ConfirmationResult(models.TextChoices):
    MATCHED = "matched", _("相符，已处理")
    MISMATCH = "mismatch", _("不符")
    UNKNOWN = "unknown", _("无对应指令")
    DUPLICATE = "duplicate", _("重复")
