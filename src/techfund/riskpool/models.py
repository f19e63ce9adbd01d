"""风险补偿: partner banks, their compensation pools, the register of covered loans with its monthly
filings (备案), default claims and the banks' later recoveries.

- A **partner bank** (合作银行) is an Organisation (with its USCC) under a cooperation agreement that
  fixes the share of each principal loss the bank bears itself.
- A **pool** (风险补偿资金池) is one per partner bank per fund year: finance funds it from a focus
  area's allocation (``fund:{year}:area:{code}`` → ``fund:{year}:riskpool:{bank}``), may top it up,
  and returns the unused balance to the area at year end. Its balance is the ledger account's, never
  stored. Claims are paid out of it (→ ``fund:{year}:riskpaid:{bank}``) through the treasury; the
  fund's share of what the bank recovers later comes back (riskpaid → riskpool).
- A **covered loan** (备案贷款) is registered once, checked against the policy at registration
  (registered tech SME, rate cap, term cap, covered balance per enterprise).
- A **filing** (月度备案) reports a loan's outstanding balance at the end of a month; a month without
  an on-time filing is a gap, and a default dated in a gap month is not compensated.
- A **default claim** (代偿申请) goes through the policy's ``claim_steps``: the bank's claim (recorded
  by office staff on its behalf), the managing agency's review (another office member), the managing
  department's approval, and finance's payment through the treasury.
- A **bank recovery** (银行追偿回收) returns the fund's share of what the bank recovered to the pool.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from techfund.riskpool.enums import ClaimState, GuaranteeType, LoanState, MovementKind

MONEY = {"max_digits": 18, "decimal_places": 2}
TEXT_MAX = 2000
REF_MAX = 100


class PartnerBank(models.Model):
    organisation = models.OneToOneField(
        "core.Organisation", on_delete=models.PROTECT, related_name="partner_bank", verbose_name=_("银行")
    )
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    agreement_ref = models.CharField(_("合作协议编号"), max_length=REF_MAX)
    agreement_start = models.DateField(_("协议生效日期"))
    agreement_end = models.DateField(_("协议到期日期"))
    #: The share of each principal loss the bank bears itself under the agreement.
    bank_share = models.DecimalField(_("银行自担损失比例"), max_digits=5, decimal_places=4)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("合作银行")
        verbose_name_plural = _("合作银行")
        constraints = [
            models.CheckConstraint(
                condition=Q(bank_share__gte=0, bank_share__lte=1), name="riskpool_bank_share_ratio"
            ),
            models.CheckConstraint(
                condition=Q(agreement_end__gt=F("agreement_start")), name="riskpool_agreement_period"
            ),
        ]

    def __str__(self) -> str:
        return self.organisation.name

    @property
    def bank_share_pct(self) -> str:
        return f"{(self.bank_share * 100).normalize():f}"


class RiskPool(models.Model):
    fund_year = models.ForeignKey(
        "funds.FundYear", on_delete=models.PROTECT, related_name="risk_pools", verbose_name=_("年度")
    )
    bank = models.ForeignKey(
        PartnerBank, on_delete=models.PROTECT, related_name="pools", verbose_name=_("合作银行")
    )
    focus_area = models.ForeignKey(
        "policy.FocusArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("资金来源领域")
    )
    #: The managing department (主管部门) whose officers approve the pool's claims.
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("主管部门")
    )
    account = models.OneToOneField(
        "core.Account", on_delete=models.PROTECT, related_name="+", verbose_name=_("资金池账户")
    )
    paid_account = models.OneToOneField(
        "core.Account", on_delete=models.PROTECT, related_name="+", verbose_name=_("已代偿账户")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("设立人")
    )
    created_at = models.DateTimeField(_("设立时间"), auto_now_add=True)

    class Meta:
        ordering = ["fund_year", "bank"]
        verbose_name = _("风险补偿资金池")
        verbose_name_plural = _("风险补偿资金池")
        constraints = [
            models.UniqueConstraint(fields=["fund_year", "bank"], name="riskpool_one_per_bank_year")
        ]

    def __str__(self) -> str:
        return f"{self.fund_year.year} {self.bank}"


class PoolMovement(models.Model):
    """Finance's funding, top-up or year-end return of a pool (area ⇄ pool), with its ledger entry."""

    pool = models.ForeignKey(
        RiskPool, on_delete=models.PROTECT, related_name="movements", verbose_name=_("资金池")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=MovementKind.choices)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    moved_on = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    entry = models.OneToOneField("core.JournalEntry", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["pool", "moved_on", "id"]
        verbose_name = _("资金池注资与退回")
        verbose_name_plural = _("资金池注资与退回")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="riskpool_movement_positive"),
            models.CheckConstraint(condition=Q(kind__in=MovementKind.values), name="riskpool_movement_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.pool} {self.get_kind_display()} {self.amount}"


class CoveredLoan(models.Model):
    bank = models.ForeignKey(
        PartnerBank, on_delete=models.PROTECT, related_name="loans", verbose_name=_("合作银行")
    )
    #: The pool the loan was registered under: its fund year's policy checked the loan.
    pool = models.ForeignKey(
        RiskPool, on_delete=models.PROTECT, related_name="loans", verbose_name=_("登记资金池")
    )
    borrower = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="covered_loans",
        verbose_name=_("借款企业"),
    )
    contract_number = models.CharField(_("借款合同编号"), max_length=60)
    principal = models.DecimalField(_("贷款本金（元）"), **MONEY)
    #: Annual rates in percent (4.35 = 4.35%).
    rate = models.DecimalField(_("贷款年利率（%）"), max_digits=7, decimal_places=4)
    benchmark_rate = models.DecimalField(_("发放时基准利率（%）"), max_digits=7, decimal_places=4)
    benchmark_basis = models.CharField(_("基准利率依据"), max_length=200)
    start_date = models.DateField(_("放款日期"))
    term_months = models.PositiveSmallIntegerField(_("期限（月）"))
    end_date = models.DateField(_("到期日期"))
    guarantee_type = models.CharField(_("担保方式"), max_length=12, choices=GuaranteeType.choices)
    first_loan = models.BooleanField(_("首次贷款"), default=False)
    state = models.CharField(_("状态"), max_length=10, choices=LoanState.choices, default=LoanState.ACTIVE)
    evidence = models.CharField(_("证明材料"), max_length=300)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    registered_on = models.DateField(_("登记日期"))
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["bank", "start_date", "id"]
        verbose_name = _("备案贷款")
        verbose_name_plural = _("备案贷款")
        constraints = [
            models.UniqueConstraint(fields=["bank", "contract_number"], name="riskpool_loan_contract_unique"),
            models.CheckConstraint(condition=Q(principal__gt=0), name="riskpool_loan_principal_positive"),
            models.CheckConstraint(condition=Q(rate__gt=0, benchmark_rate__gt=0), name="riskpool_loan_rates"),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="riskpool_loan_term"),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="riskpool_loan_period"),
            models.CheckConstraint(
                condition=Q(guarantee_type__in=GuaranteeType.values), name="riskpool_loan_guarantee"
            ),
            models.CheckConstraint(condition=Q(state__in=LoanState.values), name="riskpool_loan_state"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_number} {self.borrower.name}"


class LoanFiling(models.Model):
    """The bank's monthly report (备案) of a loan's outstanding balance at the end of ``month``."""

    loan = models.ForeignKey(
        CoveredLoan, on_delete=models.PROTECT, related_name="filings", verbose_name=_("贷款")
    )
    #: The first day of the month reported on.
    month = models.DateField(_("备案月份"))
    outstanding = models.DecimalField(_("月末贷款余额（元）"), **MONEY)
    filed_on = models.DateField(_("备案日期"))
    #: The policy's deadline for this month's filing (day ``filing_due_day`` of the next month).
    due_on = models.DateField(_("备案截止日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["loan", "month"]
        verbose_name = _("贷款月度备案")
        verbose_name_plural = _("贷款月度备案")
        constraints = [
            models.UniqueConstraint(fields=["loan", "month"], name="riskpool_one_filing_per_month"),
            models.CheckConstraint(condition=Q(outstanding__gte=0), name="riskpool_filing_outstanding"),
            models.CheckConstraint(condition=Q(filed_on__gt=F("month")), name="riskpool_filing_after_month"),
        ]

    def __str__(self) -> str:
        return f"{self.loan.contract_number} {self.month:%Y-%m}"

    @property
    def on_time(self) -> bool:
        return self.filed_on <= self.due_on


class DefaultClaim(models.Model):
    number = models.CharField(_("编号"), max_length=60, unique=True)
    loan = models.ForeignKey(
        CoveredLoan, on_delete=models.PROTECT, related_name="claims", verbose_name=_("贷款")
    )
    pool = models.ForeignKey(
        RiskPool, on_delete=models.PROTECT, related_name="claims", verbose_name=_("资金池")
    )
    state = models.CharField(_("状态"), max_length=12, choices=ClaimState.choices, default=ClaimState.CLAIMED)
    default_date = models.DateField(_("违约日期"))
    loss = models.DecimalField(_("本金损失（元）"), **MONEY)
    #: What other public funds (e.g. the provincial pool, a government guarantee agency) compensate
    #: on the same loss; counts against the policy's total public share.
    other_public = models.DecimalField(_("其他财政资金补偿（元）"), default=0, **MONEY)
    evidence = models.TextField(_("证明材料"))
    #: The ratio applied (base by guarantee type, plus the bonus), the uncapped amount, the amount
    #: after every cap and the breakdown (which cap bound, with the numbers).
    share = models.DecimalField(_("补偿比例"), max_digits=5, decimal_places=4)
    computed = models.DecimalField(_("按比例计算（元）"), **MONEY)
    compensation = models.DecimalField(_("核定补偿金额（元）"), **MONEY)
    breakdown = models.JSONField(_("计算过程"), default=dict)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请登记人")
    )
    claimed_on = models.DateField(_("申请日期"))
    claimed_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("管理机构审核人"),
    )
    reviewed_on = models.DateField(_("审核日期"), null=True, blank=True)
    review_opinion = models.TextField(_("审核意见"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("主管部门审批人"),
    )
    approved_on = models.DateField(_("审批日期"), null=True, blank=True)
    approval_opinion = models.TextField(_("审批意见"), blank=True)
    refused_reason = models.TextField(_("不予补偿理由"), blank=True)
    instructed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("支付指令经办人"),
    )
    instructed_at = models.DateTimeField(_("支付指令时间"), null=True, blank=True)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    treasury_ref = models.CharField(_("国库支付凭证号"), max_length=60, blank=True)
    entry = models.OneToOneField(
        "core.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("拨付凭证"),
    )

    class Meta:
        ordering = ["-claimed_at", "-id"]
        verbose_name = _("代偿申请")
        verbose_name_plural = _("代偿申请")
        constraints = [
            # A loan is claimed once: a second claim only after a refusal.
            models.UniqueConstraint(
                fields=["loan"], condition=~Q(state=ClaimState.REFUSED), name="riskpool_one_claim_per_loan"
            ),
            models.CheckConstraint(condition=Q(state__in=ClaimState.values), name="riskpool_claim_state"),
            models.CheckConstraint(condition=Q(loss__gt=0), name="riskpool_claim_loss_positive"),
            models.CheckConstraint(
                condition=Q(other_public__gte=0, compensation__gte=0, computed__gte=0),
                name="riskpool_claim_amounts",
            ),
            models.CheckConstraint(
                condition=Q(compensation__lte=F("computed")), name="riskpool_claim_within_computed"
            ),
            # Steps by different people.
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("claimed_by")),
                name="riskpool_claim_review_other_person",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | (
                    ~Q(approved_by=F("claimed_by"))
                    & (Q(reviewed_by__isnull=True) | ~Q(approved_by=F("reviewed_by")))
                ),
                name="riskpool_claim_approval_other_person",
            ),
            # Paid ⇔ an entry, a date and a treasury reference.
            models.CheckConstraint(
                condition=Q(state=ClaimState.PAID, entry__isnull=False, paid_on__isnull=False)
                | (~Q(state=ClaimState.PAID) & Q(entry__isnull=True, paid_on__isnull=True)),
                name="riskpool_claim_paid_has_entry",
            ),
            models.CheckConstraint(
                condition=~Q(state=ClaimState.REFUSED) | ~Q(refused_reason=""),
                name="riskpool_claim_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def share_pct(self) -> str:
        return f"{(self.share * 100).normalize():f}"


class BankRecovery(models.Model):
    """What the bank recovered from the borrower after compensation; the fund's share goes back to the
    pool (riskpaid → riskpool)."""

    claim = models.ForeignKey(
        DefaultClaim, on_delete=models.PROTECT, related_name="recoveries", verbose_name=_("代偿申请")
    )
    amount = models.DecimalField(_("银行追回金额（元）"), **MONEY)
    returned = models.DecimalField(_("退回资金池金额（元）"), **MONEY)
    recovered_on = models.DateField(_("追回日期"))
    evidence = models.CharField(_("银行证明材料"), max_length=300)
    entry = models.OneToOneField("core.JournalEntry", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["claim", "recovered_on", "id"]
        verbose_name = _("银行追偿回收")
        verbose_name_plural = _("银行追偿回收")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="riskpool_recovery_positive"),
            models.CheckConstraint(
                condition=Q(returned__gt=0, returned__lte=F("amount")), name="riskpool_recovery_returned"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim.number} {self.amount}"
