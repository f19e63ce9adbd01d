"""Monitoring a project in progress (项目执行监管, 分工联动抓绩效): the implementing unit's periodic
progress reports, the managing department's review, rectification orders (整改) with a deadline and the
unit's response, and major problems escalated to the office.

The reporting schedule is derived, not stored: ``schedule.report_schedule(project)`` computes the
periods from the contract's signing date and the policy's ``monitoring`` rules. A report keeps a copy
of its period (start, end, due date) as it was when submitted. Only the services in ``services/``
create or change these rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from techfund.monitoring.enums import EscalationState, RectificationState, ReportState, SuggestedAction

#: Reports that count for their period: at most one of them per project and period.
LIVE_REPORT_STATES = (ReportState.SUBMITTED, ReportState.ACCEPTED)


class ProgressReport(models.Model):
    """进展报告: what the unit did in one reporting period, and the department's review of it."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="progress_reports", verbose_name=_("项目")
    )
    period = models.PositiveSmallIntegerField(_("报告期次"))
    period_start = models.DateField(_("报告期起"))
    period_end = models.DateField(_("报告期止"))
    due_date = models.DateField(_("报送截止日期"))
    progress = models.TextField(_("项目进展情况"))
    milestones = models.TextField(_("阶段目标（里程碑）完成情况"))
    funds_spent = models.DecimalField(_("累计使用财政资金（元）"), max_digits=18, decimal_places=2)
    #: The project's disbursed balance (paid less recovered) when the report was submitted.
    paid_to_date = models.DecimalField(_("截至报送时已拨付（元）"), max_digits=18, decimal_places=2)
    problems = models.TextField(_("存在的问题及建议"), blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=ReportState.choices, default=ReportState.SUBMITTED
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_on = models.DateField(_("报送日期"))
    submitted_at = models.DateTimeField(_("报送时间"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_on = models.DateField(_("审核日期"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_opinion = models.TextField(_("审核意见"), blank=True)

    class Meta:
        ordering = ["project", "period", "submitted_at", "id"]
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period"],
                condition=Q(state__in=LIVE_REPORT_STATES),
                name="progress_report_one_live_per_period",
            ),
            models.CheckConstraint(condition=Q(period__gte=1), name="progress_report_period_positive"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")) & Q(due_date__gte=F("period_end")),
                name="progress_report_period_dates",
            ),
            models.CheckConstraint(
                condition=Q(funds_spent__gte=0) & Q(funds_spent__lte=F("paid_to_date")),
                name="progress_report_spent_within_paid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=ReportState.values), name="progress_report_state_valid"
            ),
            models.CheckConstraint(
                condition=(Q(state=ReportState.SUBMITTED) & Q(reviewed_at__isnull=True))
                | (
                    ~Q(state=ReportState.SUBMITTED)
                    & Q(reviewed_at__isnull=False)
                    & Q(reviewed_by__isnull=False)
                ),
                name="progress_report_reviewed_when_decided",
            ),
            models.CheckConstraint(
                condition=~Q(state=ReportState.RETURNED) | ~Q(review_opinion=""),
                name="progress_report_returned_with_opinion",
            ),
        ]

    def __str__(self) -> str:
        return _("%(number)s 第%(n)s期进展报告") % {"number": self.project.number, "n": self.period}

    @property
    def late(self) -> bool:
        return self.submitted_on > self.due_date


class Rectification(models.Model):
    """整改通知: a problem the department (or the office) found, what must be done and by when; the
    unit answers; the department verifies and closes it, or sends it back with a new deadline."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("项目")
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    report = models.ForeignKey(
        ProgressReport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectifications",
        verbose_name=_("所涉进展报告"),
    )
    issue = models.TextField(_("存在的问题"))
    requirement = models.TextField(_("整改要求"))
    deadline = models.DateField(_("整改期限"))
    state = models.CharField(
        _("状态"), max_length=10, choices=RectificationState.choices, default=RectificationState.ISSUED
    )
    #: 1 for the first order; each rejected response starts another round with a new deadline.
    round = models.PositiveSmallIntegerField(_("整改轮次"), default=1)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField(_("下达日期"))
    issued_at = models.DateTimeField(_("下达时间"))
    response = models.TextField(_("整改情况"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_on = models.DateField(_("报送整改情况日期"), null=True, blank=True)
    responded_at = models.DateTimeField(_("报送整改情况时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_on = models.DateField(_("核验日期"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    verification_opinion = models.TextField(_("核验意见"), blank=True)

    class Meta:
        ordering = ["project", "seq"]
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")
        constraints = [
            models.UniqueConstraint(fields=["project", "seq"], name="rectification_seq_unique"),
            models.CheckConstraint(condition=Q(round__gte=1), name="rectification_round_positive"),
            models.CheckConstraint(
                condition=Q(deadline__gte=F("issued_on")), name="rectification_deadline_after_issue"
            ),
            models.CheckConstraint(
                condition=Q(state__in=RectificationState.values), name="rectification_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=RectificationState.ISSUED)
                | (~Q(response="") & Q(responded_at__isnull=False) & Q(responded_by__isnull=False)),
                name="rectification_responded_with_text",
            ),
            models.CheckConstraint(
                condition=~Q(state=RectificationState.CLOSED)
                | (Q(verified_at__isnull=False) & Q(verified_by__isnull=False)),
                name="rectification_closed_when_verified",
            ),
        ]

    def __str__(self) -> str:
        return _("%(number)s 整改通知第%(n)s号") % {"number": self.project.number, "n": self.seq}

    @property
    def number(self) -> str:
        return f"ZG-{self.project.number}-{self.seq:02d}"

    def overdue_on(self, day) -> bool:
        """Past its deadline on ``day`` with no answer from the unit."""
        return self.state == RectificationState.ISSUED and day > self.deadline


class Escalation(models.Model):
    """重大问题报告: the managing department reports a major problem of a project to the office with the
    action it suggests; the office records its decision (and takes any sanction in that stage)."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="escalations", verbose_name=_("项目")
    )
    report = models.ForeignKey(
        ProgressReport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name=_("所涉进展报告"),
    )
    rectification = models.ForeignKey(
        Rectification,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name=_("所涉整改通知"),
    )
    summary = models.TextField(_("问题摘要"))
    suggested_action = models.CharField(_("建议处理方式"), max_length=10, choices=SuggestedAction.choices)
    state = models.CharField(
        _("状态"), max_length=10, choices=EscalationState.choices, default=EscalationState.OPEN
    )
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_on = models.DateField(_("上报日期"))
    raised_at = models.DateTimeField(_("上报时间"))
    decided_action = models.CharField(
        _("办公室决定的处理方式"), max_length=10, choices=SuggestedAction.choices, blank=True
    )
    decision = models.TextField(_("办公室处理意见"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_on = models.DateField(_("处理日期"), null=True, blank=True)
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        verbose_name = _("重大问题报告")
        verbose_name_plural = _("重大问题报告")
        constraints = [
            models.CheckConstraint(
                condition=Q(suggested_action__in=SuggestedAction.values),
                name="escalation_suggested_action_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=EscalationState.values), name="escalation_state_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(state=EscalationState.OPEN)
                    & Q(handled_at__isnull=True)
                    & Q(decided_action="")
                    & Q(decision="")
                )
                | (
                    Q(state=EscalationState.HANDLED)
                    & Q(handled_at__isnull=False)
                    & Q(handled_by__isnull=False)
                    & Q(decided_action__in=SuggestedAction.values)
                    & ~Q(decision="")
                ),
                name="escalation_handled_with_decision",
            ),
        ]

    def __str__(self) -> str:
        return _("%(number)s 重大问题报告 #%(id)s") % {"number": self.project.number, "id": self.pk}
