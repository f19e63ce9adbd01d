"""项目预算、调剂与支出: the budget lines of a contract, the adjustments (调剂) between them under
国办发〔2021〕32号, and the implementing unit's spending (支出登记).

Amounts are never overwritten. A budget keeps the **original** amount of each category (copied from
the application when the 任务书 is drawn up); every adjustment keeps its **moves** (category, change),
summing to zero. The current amount of a line is its original plus the moves of the effective
adjustments, so every earlier version of the budget is derived by replaying the adjustments in order
(``services.versions``). Spending is recorded per category and per funding (fiscal or self-raised);
only fiscal spending is held to the budget lines and to the money arrived.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from techfund.budgets.enums import AdjustmentKind, AdjustmentState, BudgetCategory, BudgetSource, Funding

MONEY = {"max_digits": 18, "decimal_places": 2}
TEXT_MAX = 2000
DESCRIPTION_MAX = 300
VOUCHER_MAX = 60


class ProjectBudget(models.Model):
    """The fiscal budget of a project's 任务书, one line per category (see ``BudgetLine``)."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.PROTECT, related_name="budget", verbose_name=_("项目")
    )
    contract = models.OneToOneField(
        "projects.Contract", on_delete=models.PROTECT, related_name="budget", verbose_name=_("任务书")
    )
    total = models.DecimalField(_("预算总额（元）"), **MONEY)
    source = models.CharField(_("预算来源"), max_length=12, choices=BudgetSource.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("建立时间"), auto_now_add=True)

    class Meta:
        ordering = ["project"]
        verbose_name = _("项目预算")
        verbose_name_plural = _("项目预算")
        constraints = [models.CheckConstraint(condition=Q(total__gt=0), name="budget_total_positive")]

    def __str__(self) -> str:
        return f"{self.contract}"


class BudgetLine(models.Model):
    """One category of a budget with its original amount (never changed after the budget is opened)."""

    budget = models.ForeignKey(ProjectBudget, on_delete=models.PROTECT, related_name="lines")
    category = models.CharField(_("预算科目"), max_length=12, choices=BudgetCategory.choices)
    original = models.DecimalField(_("批复预算（元）"), **MONEY)

    class Meta:
        ordering = ["budget", "id"]
        verbose_name = _("预算科目")
        verbose_name_plural = _("预算科目")
        constraints = [
            models.UniqueConstraint(fields=["budget", "category"], name="budget_line_one_per_category"),
            models.CheckConstraint(condition=Q(original__gte=0), name="budget_line_not_negative"),
            models.CheckConstraint(
                condition=Q(category__in=BudgetCategory.values), name="budget_line_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.original}"


class Adjustment(models.Model):
    """调剂: moves between the categories of one budget (their changes sum to zero). A delegated
    adjustment takes effect when the unit records it; the others are requests the managing department
    approves (then effective) or rejects."""

    budget = models.ForeignKey(ProjectBudget, on_delete=models.PROTECT, related_name="adjustments")
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="budget_adjustments",
        verbose_name=_("项目"),
    )
    number = models.CharField(_("编号"), max_length=50, unique=True)
    kind = models.CharField(_("调剂类别"), max_length=10, choices=AdjustmentKind.choices)
    state = models.CharField(_("状态"), max_length=10, choices=AdjustmentState.choices)
    reason = models.TextField(_("调剂理由"))
    #: Why the adjustment needs approval (empty for a delegated one), as shown to the unit.
    basis = models.CharField(_("报批原因"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人")
    )
    requested_on = models.DateField(_("提出日期"))
    requested_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    opinion = models.TextField(_("审批意见"), blank=True)
    #: When the moves took effect (the order of the budget's versions).
    effective_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    filed_with_finance = models.BooleanField(_("已报财政部门备案"), default=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("预算调剂")
        verbose_name_plural = _("预算调剂")
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(state=AdjustmentState.REQUESTED),
                name="adjustment_one_request_per_project",
            ),
            models.CheckConstraint(condition=Q(kind__in=AdjustmentKind.values), name="adjustment_kind_valid"),
            models.CheckConstraint(
                condition=Q(state__in=AdjustmentState.values), name="adjustment_state_valid"
            ),
            # A delegated adjustment is effective at once and has no approver.
            models.CheckConstraint(
                condition=~Q(kind=AdjustmentKind.DELEGATED)
                | Q(state=AdjustmentState.EFFECTIVE, decided_by__isnull=True),
                name="adjustment_delegated_effective",
            ),
            # Effective ⇔ a time of effect; an approval's decision is signed and dated.
            models.CheckConstraint(
                condition=Q(state=AdjustmentState.EFFECTIVE, effective_at__isnull=False)
                | (~Q(state=AdjustmentState.EFFECTIVE) & Q(effective_at__isnull=True)),
                name="adjustment_effective_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(kind=AdjustmentKind.APPROVAL)
                | Q(state=AdjustmentState.REQUESTED, decided_by__isnull=True)
                | (
                    ~Q(state=AdjustmentState.REQUESTED)
                    & Q(decided_by__isnull=False, decided_on__isnull=False, decided_at__isnull=False)
                ),
                name="adjustment_decision_signed",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="adjustment_two_people",
            ),
            models.CheckConstraint(
                condition=~Q(state=AdjustmentState.REJECTED) | ~Q(opinion=""),
                name="adjustment_rejection_has_opinion",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class AdjustmentMove(models.Model):
    """The change of one category in an adjustment (positive: increased; negative: decreased)."""

    adjustment = models.ForeignKey(Adjustment, on_delete=models.PROTECT, related_name="moves")
    category = models.CharField(_("预算科目"), max_length=12, choices=BudgetCategory.choices)
    before = models.DecimalField(_("调剂前（元）"), **MONEY)
    change = models.DecimalField(_("调剂金额（元）"), **MONEY)

    class Meta:
        ordering = ["adjustment", "id"]
        verbose_name = _("调剂明细")
        verbose_name_plural = _("调剂明细")
        constraints = [
            models.UniqueConstraint(
                fields=["adjustment", "category"], name="adjustment_move_one_per_category"
            ),
            models.CheckConstraint(condition=~Q(change=0), name="adjustment_move_not_zero"),
            models.CheckConstraint(
                condition=Q(category__in=BudgetCategory.values), name="adjustment_move_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.change:+}"

    @property
    def after(self):
        return self.before + self.change


class ExpenditureImport(models.Model):
    """One Excel ledger extract imported at once (all rows or none)."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="expenditure_imports"
    )
    filename = models.CharField(_("文件名"), max_length=200)
    rows = models.PositiveIntegerField(_("行数"))
    total = models.DecimalField(_("金额合计（元）"), **MONEY)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("支出导入")
        verbose_name_plural = _("支出导入")

    def __str__(self) -> str:
        return self.filename


class Expenditure(models.Model):
    """支出登记: money the implementing unit spent on the project, per category and funding."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="expenditures", verbose_name=_("项目")
    )
    spent_on = models.DateField(_("支出日期"))
    category = models.CharField(_("预算科目"), max_length=12, choices=BudgetCategory.choices)
    funding = models.CharField(_("资金来源"), max_length=12, choices=Funding.choices)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    voucher_no = models.CharField(_("凭证号"), max_length=VOUCHER_MAX)
    description = models.CharField(_("摘要"), max_length=DESCRIPTION_MAX)
    batch = models.ForeignKey(
        ExpenditureImport, null=True, blank=True, on_delete=models.PROTECT, related_name="expenditures"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["project", "spent_on", "id"]
        verbose_name = _("项目支出")
        verbose_name_plural = _("项目支出")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="expenditure_amount_positive"),
            models.CheckConstraint(
                condition=Q(category__in=BudgetCategory.values), name="expenditure_category_valid"
            ),
            models.CheckConstraint(condition=Q(funding__in=Funding.values), name="expenditure_funding_valid"),
            # The same voucher line is never recorded twice (a re-imported extract is refused).
            models.UniqueConstraint(
                fields=["project", "voucher_no", "category", "funding"], name="expenditure_voucher_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_no} {self.amount}"
