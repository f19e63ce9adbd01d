"""贷款贴息: loans of an enterprise whose interest the fund subsidises, and the claims that pay it.

Finance arranges an interest-subsidy project for the enterprise (a final proposal item of mode
``interest_subsidy``); its subsidy agreement (任务书) signed, the enterprise registers its **loans**
(bank, contract number, principal, rate, term), each loan's **drawdowns** and **repayments** of
principal (so the outstanding principal of every day is known), and the **interest payments** it
made, with the bank's receipt. It then files a **claim** for a period: the subsidy is computed by
``techfund.subsidies.compute`` from those records, the policy's rule table and the office's table
of **reference rates** (LPR by effective date), and stored with its breakdown per segment.

A claim goes draft → submitted (the enterprise) → verified (the managing department) → approved
(finance) → instructed (finance: a treasury payment instruction) → paid (the treasury's confirmation
moves commitment → disbursed), or → rejected with a reason.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from techfund.subsidies.enums import CapKind, ClaimState, RateKind, Tenor

MONEY = {"max_digits": 18, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 4}


class ReferenceRate(models.Model):
    """A reference rate (LPR or the PBOC benchmark) of one tenor, in force from ``effective_from`` until
    the next row of the same kind and tenor. Kept by the leading group's office; the computation
    reads the row in force on each day, and a day before the first row is refused."""

    kind = models.CharField(_("利率类别"), max_length=10, choices=RateKind.choices)
    tenor = models.CharField(_("期限品种"), max_length=2, choices=Tenor.choices)
    effective_from = models.DateField(_("起始执行日期"))
    rate = models.DecimalField(_("年利率（%）"), **RATE)
    source = models.CharField(_("来源"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "tenor", "-effective_from"]
        verbose_name = _("参考利率")
        verbose_name_plural = _("参考利率")
        constraints = [
            models.UniqueConstraint(fields=["kind", "tenor", "effective_from"], name="reference_rate_unique"),
            models.CheckConstraint(condition=Q(rate__gt=0, rate__lt=100), name="reference_rate_range"),
            models.CheckConstraint(condition=Q(kind__in=RateKind.values), name="reference_rate_kind_valid"),
            models.CheckConstraint(condition=Q(tenor__in=Tenor.values), name="reference_rate_tenor_valid"),
        ]

    def __str__(self) -> str:
        return f"{RateKind(self.kind).label} {Tenor(self.tenor).label} {self.effective_from} {self.rate}%"


class Loan(models.Model):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="loans", verbose_name=_("贴息项目")
    )
    bank = models.CharField(_("贷款银行"), max_length=100)
    contract_number = models.CharField(_("借款合同编号"), max_length=60)
    principal = models.DecimalField(_("贷款本金（元）"), **MONEY)
    annual_rate = models.DecimalField(_("合同年利率（%）"), **RATE)
    start_date = models.DateField(_("贷款起始日"))
    maturity_date = models.DateField(_("贷款到期日"))
    purpose = models.CharField(_("贷款用途"), max_length=300)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["project", "start_date", "id"]
        verbose_name = _("贴息贷款")
        verbose_name_plural = _("贴息贷款")
        constraints = [
            models.UniqueConstraint(fields=["bank", "contract_number"], name="loan_contract_unique_per_bank"),
            models.CheckConstraint(condition=Q(principal__gt=0), name="loan_principal_positive"),
            models.CheckConstraint(
                condition=Q(annual_rate__gt=0, annual_rate__lt=100), name="loan_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(maturity_date__gt=F("start_date")), name="loan_matures_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.contract_number}"

    @property
    def borrower(self):
        return self.project.organisation


class Drawdown(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="drawdowns", verbose_name=_("贷款"))
    drawn_on = models.DateField(_("放款日期"))
    amount = models.DecimalField(_("放款金额（元）"), **MONEY)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["loan", "drawn_on", "id"]
        verbose_name = _("贷款放款")
        verbose_name_plural = _("贷款放款")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="drawdown_amount_positive")]

    def __str__(self) -> str:
        return f"{self.loan} {self.drawn_on} {self.amount}"


class Repayment(models.Model):
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="repayments", verbose_name=_("贷款")
    )
    repaid_on = models.DateField(_("还本日期"))
    amount = models.DecimalField(_("归还本金（元）"), **MONEY)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["loan", "repaid_on", "id"]
        verbose_name = _("归还本金")
        verbose_name_plural = _("归还本金")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.loan} {self.repaid_on} {self.amount}"


def evidence_path(instance, filename: str) -> str:
    return f"subsidies/interest/{instance.loan_id}/{instance.evidence_sha256[:16]}"


class InterestPayment(models.Model):
    """Evidence that the enterprise paid the interest of a period (付息凭证)."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="interest_payments", verbose_name=_("贷款")
    )
    period_start = models.DateField(_("计息起始日"))
    period_end = models.DateField(_("计息截止日"))
    amount = models.DecimalField(_("实付利息（元）"), **MONEY)
    paid_on = models.DateField(_("付息日期"))
    receipt_ref = models.CharField(_("银行付息凭证号"), max_length=60)
    evidence = models.FileField(_("凭证文件"), upload_to=evidence_path, blank=True)
    evidence_name = models.CharField(_("凭证文件名"), max_length=200, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["loan", "period_start", "id"]
        verbose_name = _("付息凭证")
        verbose_name_plural = _("付息凭证")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="interest_payment_positive"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="interest_payment_period_order"
            ),
            models.UniqueConstraint(fields=["loan", "receipt_ref"], name="interest_payment_receipt_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_ref} {self.amount}"


class SubsidyClaim(models.Model):
    number = models.CharField(_("编号"), max_length=40, unique=True)
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="claims", verbose_name=_("贷款"))
    #: The loan's project and its organisation, kept on the claim for the caps and the scopes.
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="subsidy_claims",
        verbose_name=_("贴息项目"),
    )
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="subsidy_claims",
        verbose_name=_("借款企业"),
    )
    period_start = models.DateField(_("贴息期间起"))
    period_end = models.DateField(_("贴息期间止"))
    state = models.CharField(_("状态"), max_length=12, choices=ClaimState.choices, default=ClaimState.DRAFT)
    gross = models.DecimalField(_("按公式计算（元）"), **MONEY)
    interest_paid = models.DecimalField(_("期间实付利息（元）"), **MONEY)
    amount = models.DecimalField(_("贴息金额（元）"), **MONEY)
    bound_by = models.CharField(_("封顶依据"), max_length=16, choices=CapKind.choices, blank=True)
    #: Segments (principal, rate used, days, ratio, amount), caps and the policy used: ``Result.breakdown()``.
    breakdown = models.JSONField(_("计算明细"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("填报人")
    )
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提交人"),
    )
    submitted_on = models.DateField(_("提交日期"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("主管部门审核人"),
    )
    verified_on = models.DateField(_("审核日期"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("财政部门审批人"),
    )
    approved_on = models.DateField(_("审批日期"), null=True, blank=True)
    instructed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("支付指令下达人"),
    )
    instructed_on = models.DateField(_("下达支付指令日期"), null=True, blank=True)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    treasury_ref = models.CharField(_("国库支付凭证号"), max_length=60, blank=True)
    #: commitment → disbursed, posted when the treasury confirms the payment.
    entry = models.OneToOneField(
        "core.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("拨付凭证"),
    )
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("退回人"),
    )
    rejected_on = models.DateField(_("退回日期"), null=True, blank=True)
    opinion = models.TextField(_("审核意见"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("贴息申请")
        verbose_name_plural = _("贴息申请")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ClaimState.values), name="subsidy_claim_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="subsidy_claim_period_order"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0, gross__gte=F("amount"), interest_paid__gte=0),
                name="subsidy_claim_amounts",
            ),
            # Steps by different people: the department never verifies, nor finance approves, its own.
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | ~Q(verified_by=F("submitted_by")),
                name="subsidy_claim_verifier_not_submitter",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | (~Q(approved_by=F("verified_by")) & ~Q(approved_by=F("submitted_by"))),
                name="subsidy_claim_approver_distinct",
            ),
            models.CheckConstraint(
                condition=~Q(state=ClaimState.PAID) | Q(entry__isnull=False, paid_on__isnull=False),
                name="subsidy_claim_paid_has_entry",
            ),
            models.CheckConstraint(
                condition=~Q(state=ClaimState.REJECTED) | ~Q(opinion=""),
                name="subsidy_claim_rejection_has_opinion",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def segments(self) -> list[dict]:
        return list((self.breakdown or {}).get("segments", []))
