from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectState(models.TextChoices):
    ARRANGED = "arranged", _("预算已安排，待签任务书")
    IN_PROGRESS = "in_progress", _("执行中")
    SUSPENDED = "suspended", _("暂停拨款")
    TERMINATED = "terminated", _("已终止")
    ACCEPTANCE = "acceptance", _("已提交自评，待验收评价")
    COMPLETED = "completed", _("已验收评价")


class ContractState(models.TextChoices):
    DRAFT = "draft", _("待签订")
    UNIT_SIGNED = "unit_signed", _("承担单位已签，待主管部门签")
    OWNER_SIGNED = "owner_signed", _("主管部门已签，待承担单位签")
    SIGNED = "signed", _("双方已签订")


class SigningSide(models.TextChoices):
    UNIT = "unit", _("承担单位（乙方）")
    OWNER = "owner", _("主管部门（甲方）")


#: Projects that still run and may receive money (the others are closed for payment).
PAYABLE_STATES = frozenset({ProjectState.IN_PROGRESS})
#: Projects whose unpaid commitment is still held for them.
LIVE_STATES = frozenset(
    {ProjectState.ARRANGED, ProjectState.IN_PROGRESS, ProjectState.SUSPENDED, ProjectState.ACCEPTANCE}
)
