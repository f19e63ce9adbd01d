"""一事一议: the office's justified request for an emergency or especially important project, the
leading group's decision on it and, when approved, the project it created.

The request carries what the 任务书 needs (performance targets and, optionally, milestones), so the
approval creates the project (its amount committed straight from the focus area's allocation) and
draws up its contract in the same transaction. The project is flagged ``emergency`` everywhere.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from techfund.applications.enums import IndicatorType, TargetKind
from techfund.emergency.enums import RequestState


class EmergencyRequest(models.Model):
    fund_year = models.ForeignKey(
        "funds.FundYear", on_delete=models.PROTECT, related_name="emergency_requests", verbose_name=_("年度")
    )
    number = models.CharField(_("申请编号"), max_length=30, unique=True)
    title = models.CharField(_("项目名称"), max_length=200)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("承担单位")
    )
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("主管部门")
    )
    focus_area = models.ForeignKey("policy.FocusArea", on_delete=models.PROTECT, verbose_name=_("重点领域"))
    amount = models.DecimalField(_("申请金额（元）"), max_digits=18, decimal_places=2)
    justification = models.TextField(_("必要性和紧迫性"))
    basis = models.TextField(_("立项依据"))
    content = models.TextField(_("主要任务与考核内容"))
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("完成日期"))
    state = models.CharField(
        _("状态"), max_length=10, choices=RequestState.choices, default=RequestState.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人")
    )
    submitted_on = models.DateField(_("提出日期"))
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审定人"),
    )
    decided_on = models.DateField(_("审定日期"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    decision_basis = models.TextField(_("审定依据"), blank=True)
    project = models.OneToOneField(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="emergency_request",
        verbose_name=_("立项项目"),
    )

    class Meta:
        ordering = ["-fund_year__year", "-number"]
        verbose_name = _("一事一议申请")
        verbose_name_plural = _("一事一议申请")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="emergency_amount_positive"),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="emergency_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(justification="") & ~Q(basis="") & ~Q(content=""),
                name="emergency_justified",
            ),
            # Waiting for the leading group: not decided, no project.
            models.CheckConstraint(
                condition=~Q(state=RequestState.SUBMITTED)
                | (
                    Q(decided_at__isnull=True)
                    & Q(decided_on__isnull=True)
                    & Q(decided_by__isnull=True)
                    & Q(project__isnull=True)
                ),
                name="emergency_submitted_undecided",
            ),
            # Decided: by someone, at a time, with its basis.
            models.CheckConstraint(
                condition=Q(state=RequestState.SUBMITTED)
                | (
                    Q(decided_at__isnull=False)
                    & Q(decided_on__isnull=False)
                    & Q(decided_by__isnull=False)
                    & ~Q(decision_basis="")
                ),
                name="emergency_decided_has_basis",
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("submitted_on")),
                name="emergency_decided_after_submitted",
            ),
            # Approved ⇔ a project was created.
            models.CheckConstraint(
                condition=~Q(state=RequestState.APPROVED) | Q(project__isnull=False),
                name="emergency_approved_has_project",
            ),
            models.CheckConstraint(
                condition=~Q(state=RequestState.REJECTED) | Q(project__isnull=True),
                name="emergency_rejected_no_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class EmergencyTarget(models.Model):
    """A performance target (绩效目标) of the request; copied into the 任务书 on approval."""

    request = models.ForeignKey(EmergencyRequest, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(_("指标类别"), max_length=10, choices=TargetKind.choices)
    name = models.CharField(_("指标名称"), max_length=200)
    indicator_type = models.CharField(_("指标类型"), max_length=12, choices=IndicatorType.choices)
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    target_value = models.DecimalField(_("目标值"), max_digits=18, decimal_places=4, null=True, blank=True)
    target_text = models.CharField(_("定性目标"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["request", "order", "id"]
        verbose_name = _("一事一议绩效目标")
        verbose_name_plural = _("一事一议绩效目标")
        constraints = [
            models.CheckConstraint(
                condition=Q(indicator_type=IndicatorType.QUALITATIVE, target_text__gt="")
                | (~Q(indicator_type=IndicatorType.QUALITATIVE) & Q(target_value__isnull=False)),
                name="emergency_target_has_value",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EmergencyMilestone(models.Model):
    request = models.ForeignKey(EmergencyRequest, on_delete=models.CASCADE, related_name="milestones")
    due_date = models.DateField(_("完成时间"))
    description = models.CharField(_("阶段目标"), max_length=300)

    class Meta:
        ordering = ["request", "due_date", "id"]
        verbose_name = _("一事一议进度安排")
        verbose_name_plural = _("一事一议进度安排")

    def __str__(self) -> str:
        return self.description
