"""Projects after the final list: budget arrangement (财政部门下资金), the task contract (任务书) with
its targets, milestones and tranche plan, and the direct payments (直通车) made against it.

A project is created when finance arranges the budget of a final item (or when the leading group
approves an emergency 一事一议 request). Its amount is committed in the ledger
(``fund:{year}:commitment:{number}``); payments move money from the commitment to
``fund:{year}:disbursed:{number}``; the balances are derived from the ledger, never stored here.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from techfund.applications.enums import IndicatorType, TargetKind
from techfund.projects.enums import ContractState, ProjectState


class Project(models.Model):
    fund_year = models.ForeignKey("funds.FundYear", on_delete=models.PROTECT, related_name="projects")
    number = models.CharField(_("项目编号"), max_length=30, unique=True)
    title = models.CharField(_("项目名称"), max_length=200)
    item = models.OneToOneField(
        "decisions.ProposalItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="project",
        verbose_name=_("立项事项"),
    )
    application = models.ForeignKey(
        "applications.Application",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("申报书"),
    )
    focus_area = models.ForeignKey("policy.FocusArea", on_delete=models.PROTECT, verbose_name=_("重点领域"))
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="projects", verbose_name=_("主管部门")
    )
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="projects", verbose_name=_("承担单位")
    )
    support_mode = models.CharField(_("支持方式"), max_length=20)
    amount = models.DecimalField(_("安排金额（元）"), max_digits=18, decimal_places=2)
    fiscal_year = models.PositiveSmallIntegerField(_("预算年度"))
    statutory_approved = models.BooleanField(_("预算已按法定程序批准"), default=False)
    emergency = models.BooleanField(_("一事一议"), default=False)
    state = models.CharField(
        _("状态"), max_length=12, choices=ProjectState.choices, default=ProjectState.ARRANGED
    )
    start_date = models.DateField(_("起始日期"), null=True, blank=True)
    end_date = models.DateField(_("完成日期"), null=True, blank=True)
    note = models.CharField(_("安排说明"), max_length=300, blank=True)
    arranged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    arranged_at = models.DateTimeField(_("安排时间"), auto_now_add=True)
    #: reserved (or, for 一事一议, the area) → commitment.
    commitment_entry = models.OneToOneField(
        "core.JournalEntry", on_delete=models.PROTECT, related_name="+", verbose_name=_("承诺凭证")
    )

    class Meta:
        ordering = ["fund_year", "number"]
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="project_amount_positive"),
            models.CheckConstraint(
                condition=Q(emergency=True) | Q(item__isnull=False), name="project_from_item_or_emergency"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="project_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Contract(models.Model):
    """任务书: what the unit will deliver for the money, signed by the managing department (甲方)
    and the implementing unit (乙方)."""

    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="contract")
    number = models.CharField(_("任务书编号"), max_length=40, unique=True)
    state = models.CharField(
        _("状态"), max_length=14, choices=ContractState.choices, default=ContractState.DRAFT
    )
    amount = models.DecimalField(_("财政资金（元）"), max_digits=18, decimal_places=2)
    self_raised = models.DecimalField(_("自筹资金（元）"), max_digits=18, decimal_places=2, default=0)
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("完成日期"))
    terms = models.TextField(_("主要任务与考核内容"))
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    unit_signatory = models.CharField(_("乙方签署人"), max_length=50, blank=True)
    unit_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit_signed_at = models.DateTimeField(_("乙方签署时间"), null=True, blank=True)
    owner_signatory = models.CharField(_("甲方签署人"), max_length=50, blank=True)
    owner_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_signed_at = models.DateTimeField(_("甲方签署时间"), null=True, blank=True)
    signed_on = models.DateField(_("签订日期"), null=True, blank=True)

    class Meta:
        ordering = ["project"]
        verbose_name = _("任务书")
        verbose_name_plural = _("任务书")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="contract_amount_positive"),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="contract_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(state=ContractState.SIGNED)
                | (
                    Q(unit_signed_at__isnull=False)
                    & Q(owner_signed_at__isnull=False)
                    & Q(signed_on__isnull=False)
                ),
                name="contract_signed_by_both",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ContractTarget(models.Model):
    """A performance target (绩效目标) of the contract, copied from the application when generated."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(_("指标类别"), max_length=10, choices=TargetKind.choices)
    name = models.CharField(_("指标名称"), max_length=200)
    indicator_type = models.CharField(_("指标类型"), max_length=12, choices=IndicatorType.choices)
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    target_value = models.DecimalField(_("目标值"), max_digits=18, decimal_places=4, null=True, blank=True)
    target_text = models.CharField(_("定性目标"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["contract", "order", "id"]
        verbose_name = _("任务书绩效目标")
        verbose_name_plural = _("任务书绩效目标")

    def __str__(self) -> str:
        return self.name


class ContractMilestone(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    due_date = models.DateField(_("完成时间"))
    description = models.CharField(_("阶段目标"), max_length=300)

    class Meta:
        ordering = ["contract", "due_date", "id"]
        verbose_name = _("任务书进度安排")
        verbose_name_plural = _("任务书进度安排")

    def __str__(self) -> str:
        return self.description


class Tranche(models.Model):
    """One instalment of the contract's payment plan (分期拨付)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="tranches")
    seq = models.PositiveSmallIntegerField(_("期次"))
    ratio = models.DecimalField(_("比例"), max_digits=5, decimal_places=4)
    amount = models.DecimalField(_("计划金额（元）"), max_digits=18, decimal_places=2)
    condition = models.CharField(_("拨付条件"), max_length=200)
    due_date = models.DateField(_("计划拨付日期"), null=True, blank=True)

    class Meta:
        ordering = ["contract", "seq"]
        verbose_name = _("拨付计划")
        verbose_name_plural = _("拨付计划")
        constraints = [
            models.UniqueConstraint(fields=["contract", "seq"], name="tranche_seq_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tranche_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} #{self.seq}"


class Payment(models.Model):
    """A direct payment (直通车) from the treasury to the implementing unit: either confirmed by the
    treasury's confirmation file for a payment instruction (``instruction``), or registered by hand
    from the treasury's voucher (``pay_tranche``)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="payments")
    tranche = models.ForeignKey(Tranche, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("拨付金额（元）"), max_digits=18, decimal_places=2)
    paid_on = models.DateField(_("拨付日期"))
    treasury_ref = models.CharField(_("国库支付凭证号"), max_length=60, unique=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    entry = models.OneToOneField("core.JournalEntry", on_delete=models.PROTECT, related_name="+")
    #: The treasury instruction this payment confirms (empty for a voucher registered by hand).
    instruction = models.OneToOneField(
        "treasury.PaymentInstruction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment",
        verbose_name=_("支付指令"),
    )

    class Meta:
        ordering = ["project", "paid_on", "id"]
        verbose_name = _("拨付")
        verbose_name_plural = _("拨付")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.treasury_ref} {self.amount}"
