from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("已提交，待部门初审")
    RETURNED = "returned", _("退回修改")
    DEPT_REJECTED = "dept_rejected", _("部门不予推荐")
    RECOMMENDED = "recommended", _("部门已推荐，待报送")
    FORWARDED = "forwarded", _("已报送办公室，待形式审查")
    FORMAL_FAILED = "formal_failed", _("形式审查未通过")
    FORMAL_PASSED = "formal_passed", _("形式审查通过，待评审")
    IN_REVIEW = "in_review", _("评审中")
    REVIEWED = "reviewed", _("评审完成")
    PROPOSED = "proposed", _("已列入立项建议清单")
    APPROVED = "approved", _("领导小组已审定")
    NOT_APPROVED = "not_approved", _("未获审定")
    IN_PUBLICITY = "in_publicity", _("公示中")
    FINAL = "final", _("立项（公示无异议）")
    WITHDRAWN = "withdrawn", _("异议成立，撤销立项")
    CANCELLED = "cancelled", _("申报单位撤回")


class BudgetCategory(models.TextChoices):
    EQUIPMENT = "equipment", _("设备费")
    BUSINESS = "business", _("业务费")
    LABOUR = "labour", _("劳务费")
    INDIRECT = "indirect", _("间接费用")


class TargetKind(models.TextChoices):
    OUTPUT = "output", _("产出指标")
    OUTCOME = "outcome", _("效益指标")


class IndicatorType(models.TextChoices):
    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")
    ZERO = "zero", _("须为零")
    QUALITATIVE = "qualitative", _("定性")


class TeamRole(models.TextChoices):
    LEAD = "lead", _("项目负责人")
    MEMBER = "member", _("主要成员")


class PrescreenDecision(models.TextChoices):
    RECOMMEND = "recommend", _("推荐")
    RETURN = "return", _("退回修改")
    REJECT = "reject", _("不予推荐")


class FormalResult(models.TextChoices):
    PASSED = "passed", _("通过")
    FAILED = "failed", _("未通过")


#: States in which the applicant may change the application (and its attachments).
EDITABLE_STATES = frozenset({ApplicationState.DRAFT, ApplicationState.RETURNED})

#: Applications that count towards the limits (限项) and the duplicate check: submitted or beyond,
#: and neither rejected nor cancelled.
LIVE_STATES = frozenset(
    {
        ApplicationState.SUBMITTED,
        ApplicationState.RETURNED,
        ApplicationState.RECOMMENDED,
        ApplicationState.FORWARDED,
        ApplicationState.FORMAL_PASSED,
        ApplicationState.IN_REVIEW,
        ApplicationState.REVIEWED,
        ApplicationState.PROPOSED,
        ApplicationState.APPROVED,
        ApplicationState.IN_PUBLICITY,
        ApplicationState.FINAL,
    }
)
