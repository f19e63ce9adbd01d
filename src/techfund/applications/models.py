"""项目申报 — an application to a call, its team, budget, targets, milestones and attachments;
the department's pre-screen (职能部门报项目) and forward batches (分批分次); the office's formal check.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from techfund.applications.enums import (
    ApplicationState,
    BudgetCategory,
    FormalResult,
    IndicatorType,
    PrescreenDecision,
    TargetKind,
    TeamRole,
)


class Batch(models.Model):
    """A numbered batch of recommended applications forwarded by a department to the office."""

    call = models.ForeignKey("calls.Call", on_delete=models.PROTECT, related_name="batches")
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="batches")
    number = models.PositiveSmallIntegerField(_("批次号"))
    forwarded_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
    forwarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["call", "department", "number"]
        verbose_name = _("报送批次")
        verbose_name_plural = _("报送批次")
        constraints = [
            models.UniqueConstraint(fields=["call", "department", "number"], name="batch_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.department.short_name} 第{self.number}批"


class Application(models.Model):
    call = models.ForeignKey("calls.Call", on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="applications"
    )
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="applications", verbose_name=_("归口部门")
    )
    number = models.CharField(_("申报编号"), max_length=40, unique=True)
    title = models.CharField(_("项目名称"), max_length=200)
    abstract = models.TextField(_("项目摘要"), blank=True)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    subject_code = models.CharField(_("学科/领域代码"), max_length=20, blank=True)
    requested_amount = models.DecimalField(
        _("申请财政资金（元）"), max_digits=18, decimal_places=2, default=0
    )
    self_raised = models.DecimalField(_("自筹资金（元）"), max_digits=18, decimal_places=2, default=0)
    support_mode = models.CharField(_("申请支持方式"), max_length=20, blank=True)
    basic_research = models.BooleanField(_("纯理论基础研究"), default=False)
    start_date = models.DateField(_("起始日期"), null=True, blank=True)
    end_date = models.DateField(_("完成日期"), null=True, blank=True)
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApplicationState.choices,
        default=ApplicationState.DRAFT,
        db_index=True,
    )
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("项目申报")
        verbose_name_plural = _("项目申报")
        constraints = [
            models.CheckConstraint(condition=Q(requested_amount__gte=0), name="app_requested_nonnegative"),
            models.CheckConstraint(condition=Q(self_raised__gte=0), name="app_self_raised_nonnegative"),
            models.CheckConstraint(
                condition=Q(state__in=[ApplicationState.DRAFT, ApplicationState.CANCELLED])
                | Q(submitted_at__isnull=False),
                name="app_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=ApplicationState.RETURNED) | ~Q(return_reason=""),
                name="app_returned_has_reason",
            ),
            # A forwarded application travelled in a numbered batch of its department.
            models.CheckConstraint(
                condition=~Q(state=ApplicationState.FORWARDED) | Q(batch__isnull=False),
                name="app_forwarded_has_batch",
            ),
        ]
        indexes = [models.Index(fields=["call", "state"], name="app_call_state_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class TeamMember(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="team")
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("证件号码"), max_length=30)
    role = models.CharField(_("分工"), max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER)
    organisation_name = models.CharField(_("工作单位"), max_length=200, blank=True)
    title = models.CharField(_("职称"), max_length=50, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["application", "order", "id"]
        verbose_name = _("项目成员")
        verbose_name_plural = _("项目成员")
        indexes = [models.Index(fields=["id_number"], name="team_id_number_idx")]

    def __str__(self) -> str:
        return self.name


class BudgetLine(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(_("预算科目"), max_length=12, choices=BudgetCategory.choices)
    item = models.CharField(_("明细"), max_length=200)
    amount = models.DecimalField(_("金额（元）"), max_digits=18, decimal_places=2)
    equipment_purchase = models.BooleanField(_("设备购置"), default=False)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["application", "id"]
        verbose_name = _("预算明细")
        verbose_name_plural = _("预算明细")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="budget_line_positive")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.item} {self.amount}"


class PerformanceTarget(models.Model):
    """绩效目标 — an indicator with type, unit and target value; scored at evaluation (issue 4)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(_("指标类别"), max_length=10, choices=TargetKind.choices)
    name = models.CharField(_("指标名称"), max_length=200)
    indicator_type = models.CharField(_("指标类型"), max_length=12, choices=IndicatorType.choices)
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    target_value = models.DecimalField(_("目标值"), max_digits=18, decimal_places=4, null=True, blank=True)
    target_text = models.CharField(_("定性目标"), max_length=300, blank=True)

    class Meta:
        ordering = ["application", "kind", "id"]
        verbose_name = _("绩效目标")
        verbose_name_plural = _("绩效目标")
        constraints = [
            models.CheckConstraint(
                condition=Q(indicator_type=IndicatorType.QUALITATIVE) | Q(target_value__isnull=False),
                name="target_quantitative_has_value",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="milestones")
    due_date = models.DateField(_("完成时间"))
    description = models.CharField(_("阶段目标"), max_length=300)

    class Meta:
        ordering = ["application", "due_date", "id"]
        verbose_name = _("进度节点")
        verbose_name_plural = _("进度节点")

    def __str__(self) -> str:
        return f"{self.due_date} {self.description}"


def attachment_path(instance, filename: str) -> str:
    return f"applications/{instance.application_id}/{instance.sha256[:16]}.pdf"


class Attachment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("材料类型"), max_length=50, blank=True)
    file = models.FileField(_("文件"), upload_to=attachment_path)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["application", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty"),
            models.UniqueConstraint(fields=["application", "sha256"], name="attachment_unique_content"),
        ]

    def __str__(self) -> str:
        return self.name


class Prescreen(models.Model):
    """One decision of the routing department on an application (history kept, never overwritten)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="prescreens")
    decision = models.CharField(_("初审意见"), max_length=10, choices=PrescreenDecision.choices)
    reason = models.TextField(_("理由"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "decided_at", "id"]
        verbose_name = _("部门初审")
        verbose_name_plural = _("部门初审")
        constraints = [
            models.CheckConstraint(
                condition=Q(decision=PrescreenDecision.RECOMMEND) | ~Q(reason=""),
                name="prescreen_reason_required",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.get_decision_display()}"


class FormalCheck(models.Model):
    """形式审查 by the office: each rule's outcome in ``findings``, e.g. [{"rule": "limit_org", "ok": false, "message": …}]."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="formal_checks")
    result = models.CharField(_("结论"), max_length=10, choices=FormalResult.choices)
    findings = models.JSONField(_("审查要点"), default=list)
    reason = models.TextField(_("说明"), blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "checked_at", "id"]
        verbose_name = _("形式审查")
        verbose_name_plural = _("形式审查")
        constraints = [
            models.CheckConstraint(
                condition=Q(result=FormalResult.PASSED) | ~Q(reason=""), name="formal_failed_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.get_result_display()}"
