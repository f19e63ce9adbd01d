from django.db import models
from django.utils.translation import gettext_lazy as _

from techfund.applications.enums import BudgetCategory

__all__ = ["AdjustmentKind", "AdjustmentState", "BudgetCategory", "BudgetSource", "Decision", "Funding"]


class BudgetSource(models.TextChoices):
    APPLICATION = "application", _("按申报书预算")
    SCALED = "scaled", _("按申报书预算结构折算至安排金额")
    DEFAULT = "default", _("无申报预算，全额列入业务费")


class AdjustmentKind(models.TextChoices):
    DELEGATED = "delegated", _("承担单位自主调剂")
    APPROVAL = "approval", _("报主管部门审批")


class AdjustmentState(models.TextChoices):
    REQUESTED = "requested", _("待主管部门审批")
    EFFECTIVE = "effective", _("已生效")
    REJECTED = "rejected", _("未获批准")


class Decision(models.TextChoices):
    APPROVE = "approve", _("同意")
    REJECT = "reject", _("不同意")


class Funding(models.TextChoices):
    FISCAL = "fiscal", _("财政资金")
    SELF_RAISED = "self_raised", _("自筹资金")


#: Category order on every page and in every export.
CATEGORY_ORDER = (
    BudgetCategory.EQUIPMENT,
    BudgetCategory.BUSINESS,
    BudgetCategory.LABOUR,
    BudgetCategory.INDIRECT,
)
