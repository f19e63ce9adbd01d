from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from techfund.policy.schema import BUDGET_ACTIONS


class Grade(models.TextChoices):
    """The grade codes of the policy's ``evaluation_grades`` (优 ≥ 90; 良 80–<90; 中 60–<80; 差 < 60)."""

    EXCELLENT = "excellent", pgettext_lazy("grade", "优")
    GOOD = "good", pgettext_lazy("grade", "良")
    FAIR = "fair", pgettext_lazy("grade", "中")
    POOR = "poor", pgettext_lazy("grade", "差")


class SelfEvaluationState(models.TextChoices):
    SUBMITTED = "submitted", _("已提交，待办公室受理")
    ACCEPTED = "accepted", _("已受理，作为综合评价依据")
    RETURNED = "returned", _("已退回修改")


class ComprehensiveState(models.TextChoices):
    PROPOSED = "proposed", _("办公室已提出，待财政部门确认")
    CONFIRMED = "confirmed", _("财政部门已确认")
    RETURNED = "returned", _("财政部门退回修改")


class NextYearState(models.TextChoices):
    DRAFT = "draft", _("草稿，办公室调整中")
    SUBMITTED = "submitted", _("已形成框架配置报领导小组")


class Band(models.TextChoices):
    """The qualitative bands of the policy's ``auto_scoring.qualitative_bands``."""

    ACHIEVED = "achieved", _("达成目标")
    PARTLY = "partly", _("部分达成并具有一定效果")
    NOT_ACHIEVED = "not_achieved", _("未达成目标")


#: The self-evaluations that count (at most one per project): a returned one is history.
LIVE_SELF_EVALUATION_STATES = frozenset({SelfEvaluationState.SUBMITTED, SelfEvaluationState.ACCEPTED})

#: The parts of the comprehensive evaluation (决策 / 过程 / 产出 / 效益), in the framework's order;
#: their weights come from the policy's ``comprehensive_weights.weights``.
COMPREHENSIVE_PARTS = ("decision", "process", "output", "outcome")
PART_LABELS = {
    "decision": _("决策"),
    "process": _("过程"),
    "output": _("产出"),
    "outcome": _("效益"),
    "satisfaction": _("满意度"),
    "budget_execution": _("预算执行率"),
}

#: What the policy's ``results_to_budget`` action codes mean, as shown to people (the policy's labels).
ACTION_LABELS = BUDGET_ACTIONS
