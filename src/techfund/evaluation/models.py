"""验收与绩效评价: the unit's self-evaluation of each contract target (KPI), the office's and finance's
comprehensive evaluation on the 决策 / 过程 / 产出 / 效益 framework, and the proposal of next year's
framework from the grades (评价结果与以后年度预算安排挂钩).

Every score here is computed by ``techfund.evaluation.scoring`` from the policy's rule tables and
stored with the policy version (and a copy of the tables) it was computed with, so a later policy
change never rewrites an old grade.

How a self-evaluation is scored (documented rule):

- each KPI (a ``ContractTarget``) is scored out of 100 (``scoring.score_indicator`` with weight
  ``scoring.FULL_MARKS``): higher-is-better, lower-is-better, must-be-zero, or a qualitative band;
- a part (产出 = the output KPIs, 效益 = the outcome KPIs) scores the mean of its KPIs' scores, so the
  part's weight is split evenly across its KPIs: each KPI's ``weight_share`` (its points in the total)
  is the part's policy weight ÷ the number of KPIs of the part;
- 满意度 is the satisfaction score the unit reports (0–100); 预算执行率 = spent ÷ arrived (0–100);
- the total is ``scoring.weighted_total`` of the four parts with ``self_evaluation_weights``, and the
  grade ``scoring.grade`` with ``evaluation_grades``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from techfund.evaluation.enums import (
    ComprehensiveState,
    Grade,
    NextYearState,
    SelfEvaluationState,
)

SCORE = {"max_digits": 5, "decimal_places": 2}
MONEY = {"max_digits": 18, "decimal_places": 2}


def _score_range(field: str, name: str):
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": 100}), name=name
    )


class SelfEvaluation(models.Model):
    """单位自评: the implementing unit's evaluation of its project against the contract's targets."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="self_evaluations", verbose_name=_("项目")
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=SelfEvaluationState.choices, default=SelfEvaluationState.SUBMITTED
    )
    summary = models.TextField(_("自评报告"))
    planned = models.DecimalField(_("计划资金（元）"), **MONEY)
    arrived = models.DecimalField(_("到位资金（元）"), **MONEY)
    spent = models.DecimalField(_("实际支出（元）"), **MONEY)
    arrival_rate = models.DecimalField(_("资金到位率（%）"), max_digits=7, decimal_places=2)
    execution_rate = models.DecimalField(_("预算执行率（%）"), max_digits=7, decimal_places=2)
    satisfaction = models.DecimalField(_("满意度（分）"), **SCORE)
    output_score = models.DecimalField(_("产出得分"), **SCORE)
    outcome_score = models.DecimalField(_("效益得分"), **SCORE)
    satisfaction_score = models.DecimalField(_("满意度得分"), **SCORE)
    budget_execution_score = models.DecimalField(_("预算执行率得分"), **SCORE)
    total = models.DecimalField(_("自评总分"), **SCORE)
    grade = models.CharField(_("自评等级"), max_length=10, choices=Grade.choices)
    profile = models.ForeignKey(
        "policy.PolicyProfile", on_delete=models.PROTECT, related_name="+", verbose_name=_("政策配置")
    )
    profile_version = models.PositiveIntegerField(_("政策配置版本"))
    #: The rule tables used: ``weights`` (self_evaluation_weights), ``auto_scoring``, ``grades``.
    rules = models.JSONField(_("计分规则"), default=dict)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    submitted_on = models.DateField(_("自评日期"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("受理或退回时间"), null=True, blank=True)
    decided_on = models.DateField(_("受理或退回日期"), null=True, blank=True)
    decision_note = models.TextField(_("受理意见或退回理由"), blank=True)

    class Meta:
        ordering = ["project", "-submitted_at", "-id"]
        verbose_name = _("单位自评")
        verbose_name_plural = _("单位自评")
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(state__in=[SelfEvaluationState.SUBMITTED, SelfEvaluationState.ACCEPTED]),
                name="self_evaluation_one_live",
            ),
            models.CheckConstraint(condition=Q(arrived__gt=0), name="self_evaluation_arrived_positive"),
            models.CheckConstraint(
                condition=Q(spent__gte=0) & Q(spent__lte=F("arrived")), name="self_evaluation_spent_within"
            ),
            _score_range("satisfaction", "self_evaluation_satisfaction_range"),
            _score_range("output_score", "self_evaluation_output_range"),
            _score_range("outcome_score", "self_evaluation_outcome_range"),
            _score_range("satisfaction_score", "self_evaluation_satisfaction_score_range"),
            _score_range("budget_execution_score", "self_evaluation_execution_score_range"),
            _score_range("total", "self_evaluation_total_range"),
            models.CheckConstraint(condition=Q(grade__in=Grade.values), name="self_evaluation_grade_valid"),
            models.CheckConstraint(
                condition=Q(state=SelfEvaluationState.SUBMITTED) | Q(decided_at__isnull=False),
                name="self_evaluation_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=SelfEvaluationState.RETURNED) | ~Q(decision_note=""),
                name="self_evaluation_returned_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.number} {_('单位自评')}"


class KpiResult(models.Model):
    """One contract target's result in a self-evaluation: the actual value (or the qualitative band
    and score), the unit's explanation, and the score computed from the policy's formula."""

    self_evaluation = models.ForeignKey(SelfEvaluation, on_delete=models.CASCADE, related_name="results")
    target = models.ForeignKey(
        "projects.ContractTarget", on_delete=models.PROTECT, related_name="+", verbose_name=_("绩效指标")
    )
    actual_value = models.DecimalField(
        _("实际完成值"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    band = models.CharField(_("评分档次"), max_length=20, blank=True)
    band_score = models.DecimalField(_("档次内评分"), **SCORE, null=True, blank=True)
    explanation = models.TextField(_("偏差原因说明"), blank=True)
    #: Out of 100 (the indicator's own 百分制 score).
    score = models.DecimalField(_("指标得分（百分制）"), **SCORE)
    #: actual ÷ target (1.0000 = 100%); empty for a qualitative indicator or a target of 0.
    ratio = models.DecimalField(_("完成率"), max_digits=18, decimal_places=4, null=True, blank=True)
    needs_explanation = models.BooleanField(_("须说明偏差"), default=False)
    #: The KPI's points in the total: its part's policy weight ÷ the number of KPIs of that part.
    weight_share = models.DecimalField(_("权重（分）"), max_digits=7, decimal_places=4)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["self_evaluation", "order", "id"]
        verbose_name = _("绩效指标自评结果")
        verbose_name_plural = _("绩效指标自评结果")
        constraints = [
            models.UniqueConstraint(fields=["self_evaluation", "target"], name="kpi_result_unique"),
            _score_range("score", "kpi_result_score_range"),
            models.CheckConstraint(condition=Q(weight_share__gt=0), name="kpi_result_weight_positive"),
            models.CheckConstraint(
                condition=Q(needs_explanation=False) | ~Q(explanation=""),
                name="kpi_result_deviation_explained",
            ),
            models.CheckConstraint(
                condition=(Q(actual_value__isnull=False) & Q(band=""))
                | (Q(actual_value__isnull=True) & ~Q(band="") & Q(band_score__isnull=False)),
                name="kpi_result_value_or_band",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.score}"

    @property
    def points(self):
        """The KPI's contribution to the total: score ÷ 100 × weight share."""
        from techfund.evaluation.scoring import FULL_MARKS, PLACES, _round

        return _round(self.score * self.weight_share / FULL_MARKS, PLACES)


class ComprehensiveEvaluation(models.Model):
    """综合绩效评价: the office proposes the part scores (决策 / 过程 / 产出 / 效益) with an opinion on each,
    finance confirms; both sign. Confirmation completes the project."""

    project = models.OneToOneField(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="comprehensive_evaluation",
        verbose_name=_("项目"),
    )
    self_evaluation = models.ForeignKey(
        SelfEvaluation, on_delete=models.PROTECT, related_name="+", verbose_name=_("依据的单位自评")
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=ComprehensiveState.choices, default=ComprehensiveState.PROPOSED
    )
    decision_score = models.DecimalField(_("决策得分"), **SCORE)
    process_score = models.DecimalField(_("过程得分"), **SCORE)
    output_score = models.DecimalField(_("产出得分"), **SCORE)
    outcome_score = models.DecimalField(_("效益得分"), **SCORE)
    decision_opinion = models.TextField(_("决策评价意见"))
    process_opinion = models.TextField(_("过程评价意见"))
    output_opinion = models.TextField(_("产出评价意见"))
    outcome_opinion = models.TextField(_("效益评价意见"))
    conclusion = models.TextField(_("综合评价结论"), blank=True)
    total = models.DecimalField(_("综合得分"), **SCORE)
    grade = models.CharField(_("评价等级"), max_length=10, choices=Grade.choices)
    profile = models.ForeignKey(
        "policy.PolicyProfile", on_delete=models.PROTECT, related_name="+", verbose_name=_("政策配置")
    )
    profile_version = models.PositiveIntegerField(_("政策配置版本"))
    #: The rule tables used: ``weights`` (comprehensive_weights) and ``grades``.
    rules = models.JSONField(_("计分规则"), default=dict)
    office_signatory = models.CharField(_("办公室签署人"), max_length=50)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("提出时间"))
    evaluated_on = models.DateField(_("评价日期"))
    finance_signatory = models.CharField(_("财政部门签署人"), max_length=50, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_on = models.DateField(_("确认日期"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)

    class Meta:
        ordering = ["project"]
        verbose_name = _("综合绩效评价")
        verbose_name_plural = _("综合绩效评价")
        constraints = [
            _score_range("decision_score", "comprehensive_decision_range"),
            _score_range("process_score", "comprehensive_process_range"),
            _score_range("output_score", "comprehensive_output_range"),
            _score_range("outcome_score", "comprehensive_outcome_range"),
            _score_range("total", "comprehensive_total_range"),
            models.CheckConstraint(condition=Q(grade__in=Grade.values), name="comprehensive_grade_valid"),
            models.CheckConstraint(condition=~Q(office_signatory=""), name="comprehensive_office_signed"),
            models.CheckConstraint(
                condition=~Q(state=ComprehensiveState.CONFIRMED)
                | (Q(confirmed_at__isnull=False) & ~Q(finance_signatory="")),
                name="comprehensive_confirmed_signed",
            ),
            models.CheckConstraint(
                condition=~Q(state=ComprehensiveState.RETURNED) | ~Q(return_reason=""),
                name="comprehensive_returned_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.number} {_('综合绩效评价')}"

    def part_rows(self):
        """(code, score, opinion, weight) of each part, in the framework's order."""
        weights = (self.rules or {}).get("weights", {})
        return [
            (code, getattr(self, f"{code}_score"), getattr(self, f"{code}_opinion"), weights.get(code))
            for code in ("decision", "process", "output", "outcome")
        ]


class NextYearProposal(models.Model):
    """The proposal of next year's framework from a fund year's grades, by focus area and department.
    Submitting it creates (and submits) a ``funds.Framework`` of the target year."""

    fund_year = models.ForeignKey(
        "funds.FundYear",
        on_delete=models.PROTECT,
        related_name="next_year_proposals",
        verbose_name=_("评价年度"),
    )
    target_year = models.PositiveSmallIntegerField(_("建议年度"))
    state = models.CharField(
        _("状态"), max_length=12, choices=NextYearState.choices, default=NextYearState.DRAFT
    )
    note = models.TextField(_("说明"), blank=True)
    profile = models.ForeignKey(
        "policy.PolicyProfile", on_delete=models.PROTECT, related_name="+", verbose_name=_("政策配置")
    )
    profile_version = models.PositiveIntegerField(_("政策配置版本"))
    #: The policy's ``results_to_budget.actions`` used for the suggestion.
    actions = models.JSONField(_("评价结果应用规则"), default=dict)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    proposed_on = models.DateField(_("提出日期"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    framework = models.OneToOneField(
        "funds.Framework",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_year_proposal",
        verbose_name=_("框架配置"),
    )

    class Meta:
        ordering = ["-fund_year__year", "-id"]
        verbose_name = _("下一年度框架建议")
        verbose_name_plural = _("下一年度框架建议")
        constraints = [
            models.UniqueConstraint(
                fields=["fund_year"], condition=Q(state=NextYearState.DRAFT), name="next_year_one_draft"
            ),
            models.CheckConstraint(
                condition=~Q(state=NextYearState.SUBMITTED)
                | (Q(framework__isnull=False) & Q(submitted_at__isnull=False)),
                name="next_year_submitted_has_framework",
            ),
        ]

    def __str__(self) -> str:
        return _("%(year)s年度框架建议（依据%(src)s年度绩效评价）") % {
            "year": self.target_year,
            "src": self.fund_year.year,
        }


class NextYearLine(models.Model):
    """One (focus area, department) of the proposal: what the fund year arranged for it, the grades of
    its projects, the amount the policy's mapping suggests and the amount the office proposes."""

    proposal = models.ForeignKey(NextYearProposal, on_delete=models.CASCADE, related_name="lines")
    focus_area = models.ForeignKey("policy.FocusArea", on_delete=models.PROTECT, verbose_name=_("重点领域"))
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, verbose_name=_("主管部门"))
    projects = models.PositiveIntegerField(_("项目数"))
    excellent = models.PositiveIntegerField(pgettext_lazy("grade", "优"), default=0)
    good = models.PositiveIntegerField(pgettext_lazy("grade", "良"), default=0)
    fair = models.PositiveIntegerField(pgettext_lazy("grade", "中"), default=0)
    poor = models.PositiveIntegerField(pgettext_lazy("grade", "差"), default=0)
    unevaluated = models.PositiveIntegerField(_("未完成评价"), default=0)
    terminated = models.PositiveIntegerField(_("已终止"), default=0)
    #: ``{group: {"n": …, "amount": …, "suggested": …}}`` for each grade, ``unevaluated`` and ``terminated``.
    breakdown = models.JSONField(_("测算明细"), default=dict)
    base_amount = models.DecimalField(_("本年度安排金额（元）"), **MONEY)
    suggested_amount = models.DecimalField(_("系统测算金额（元）"), **MONEY)
    amount = models.DecimalField(_("建议金额（元）"), **MONEY)
    adjust_reason = models.TextField(_("调整理由"), blank=True)

    class Meta:
        ordering = ["proposal", "focus_area__order", "department__code"]
        verbose_name = _("下一年度框架建议明细")
        verbose_name_plural = _("下一年度框架建议明细")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "focus_area", "department"], name="next_year_line_unique"
            ),
            models.CheckConstraint(
                condition=Q(base_amount__gte=0) & Q(suggested_amount__gte=0) & Q(amount__gte=0),
                name="next_year_line_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount=F("suggested_amount")) | ~Q(adjust_reason=""),
                name="next_year_line_adjustment_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.focus_area} {self.department} {self.amount}"

    @property
    def adjusted(self) -> bool:
        return self.amount != self.suggested_amount
