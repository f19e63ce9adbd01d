from django.db import models
from django.utils.translation import gettext_lazy as _

from techfund.projects.enums import ProjectState


class SanctionKind(models.TextChoices):
    SUSPEND = "suspend", _("暂停拨款")
    LIFT = "lift", _("解除暂停拨款")
    TERMINATE = "terminate", _("终止项目执行")


class SanctionState(models.TextChoices):
    PROPOSED = "proposed", _("办公室已提出，待财政部门会签")
    EFFECTIVE = "effective", _("财政部门会签同意，已生效")
    REJECTED = "rejected", _("财政部门不同意")


class RecoveryState(models.TextChoices):
    PROPOSED = "proposed", _("办公室已拟定，待财政部门确认")
    OPEN = "open", _("已下达，追缴中")
    SETTLED = "settled", _("已全额缴回")
    REJECTED = "rejected", _("财政部门不同意")


class Decision(models.TextChoices):
    CONCUR = "concur", _("同意")
    REJECT = "reject", _("不同意")


#: The project state each kind of order moves the project to when it takes effect.
TARGET_STATE = {
    SanctionKind.SUSPEND: ProjectState.SUSPENDED,
    SanctionKind.LIFT: ProjectState.IN_PROGRESS,
    SanctionKind.TERMINATE: ProjectState.TERMINATED,
}

#: Recovery orders whose money is still (or may still be) owed: they count against what may be recovered.
OUTSTANDING_RECOVERY_STATES = frozenset({RecoveryState.PROPOSED, RecoveryState.OPEN})
