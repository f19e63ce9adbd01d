"""股权投资（拨改投）: the part of the fund invested in the implementing unit instead of granted.

An **Investment** belongs to a project whose support mode is ``equity``; the investee is the project's
organisation and the investing vehicle (出资平台, e.g. 市科技创新投资有限公司) holds the stake for the
fund. Three instruments (the policy's ``equity.instruments``):

- 股权直投 (``direct``) and 拨投结合 (``grant_and_invest``): the stake is agreed up front on a pre-money
  valuation; the fund's share = amount / (pre-money + amount). For 拨投结合 the investment's amount is
  the equity part and may be less than the project's amount; the rest stays committed to the project
  (contracts of equity projects have no grant tranches: a granted part is paid by another instrument).
- 先投后股 (``invest_then_equity``): the money is paid first; it converts (**Conversion**) at the next
  financing round's post-money valuation, or is written off without blame (**WriteOff**) if the
  project fails.

Every stake is checked against the policy: at most ``equity.max_share`` (25 %) and, when
``equity.never_largest_shareholder``, never the largest shareholder — equal to the largest other
shareholder counts as largest. The other shareholders after the investment are declared with their
evidence (**CapTableEntry**).

The money is paid in **Stages** through the treasury (purpose ``equity_stage``): commitment →
disbursed. An **Exit** (transfer, sale, buy-back, liquidation) brings the proceeds back to the fund:
principal min(proceeds, invested) disbursed → pool, the gain from ``fund:{year}:income:equity`` → pool,
a loss disbursed → written off. So for every investment: invested = held + returned principal + written off.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from techfund.equity.enums import ExitKind, Instrument, InvestmentState, StageState, StepState

SHARE = {"max_digits": 9, "decimal_places": 6}
MONEY = {"max_digits": 18, "decimal_places": 2}
TEXT_MAX = 2000
BASIS_MAX = 300
EVIDENCE_MAX = 300


class Investment(models.Model):
    project = models.OneToOneField(
        "projects.Project", on_delete=models.PROTECT, related_name="investment", verbose_name=_("项目")
    )
    number = models.CharField(_("投资编号"), max_length=40, unique=True)
    instrument = models.CharField(_("投资方式"), max_length=20, choices=Instrument.choices)
    state = models.CharField(
        _("状态"), max_length=12, choices=InvestmentState.choices, default=InvestmentState.COMMITTED
    )
    vehicle_name = models.CharField(_("出资平台"), max_length=200)
    vehicle_uscc = models.CharField(_("出资平台统一社会信用代码"), max_length=18)
    amount = models.DecimalField(_("投资金额（元）"), **MONEY)
    #: Direct and 拨投结合: the agreed pre-money valuation; 先投后股: empty until the conversion.
    pre_money_valuation = models.DecimalField(_("投前估值（元）"), **MONEY, null=True, blank=True)
    post_money_valuation = models.DecimalField(_("投后估值（元）"), **MONEY, null=True, blank=True)
    #: The fund's share of the investee (amount / post-money, 6 places, ROUND_HALF_UP); 先投后股: set at conversion.
    share = models.DecimalField(_("持股比例"), **SHARE, null=True, blank=True)
    evidence = models.CharField(_("股权结构依据"), max_length=EVIDENCE_MAX, blank=True)
    agreement_ref = models.CharField(_("投资协议编号"), max_length=60)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    registered_on = models.DateField(_("登记日期"))
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["project__fund_year", "number"]
        verbose_name = _("股权投资")
        verbose_name_plural = _("股权投资")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="equity_amount_positive"),
            models.CheckConstraint(
                condition=Q(instrument__in=Instrument.values), name="equity_instrument_valid"
            ),
            models.CheckConstraint(condition=Q(state__in=InvestmentState.values), name="equity_state_valid"),
            models.CheckConstraint(
                condition=Q(share__isnull=True) | (Q(share__gt=0) & Q(share__lte=1)),
                name="equity_share_range",
            ),
            # Direct and 拨投结合 hold a share from the start; 先投后股 only once converted.
            models.CheckConstraint(
                condition=Q(instrument=Instrument.INVEST_THEN_EQUITY)
                | Q(share__isnull=False, post_money_valuation__isnull=False),
                name="equity_direct_has_share",
            ),
            models.CheckConstraint(
                condition=~Q(state=InvestmentState.CONVERTED)
                | Q(instrument=Instrument.INVEST_THEN_EQUITY, share__isnull=False),
                name="equity_converted_has_share",
            ),
            models.CheckConstraint(
                condition=~Q(state=InvestmentState.WRITTEN_OFF) | Q(instrument=Instrument.INVEST_THEN_EQUITY),
                name="equity_written_off_only_invest_then_equity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.project.organisation.name if self.project_id else ''}".strip()


class Conversion(models.Model):
    """先投后股: the paid money converts into a stake at a later financing round's post-money valuation."""

    investment = models.OneToOneField(
        Investment, on_delete=models.PROTECT, related_name="conversion", verbose_name=_("股权投资")
    )
    round_name = models.CharField(_("融资轮次"), max_length=100)
    post_money_valuation = models.DecimalField(_("本轮投后估值（元）"), **MONEY)
    round_date = models.DateField(_("融资日期"))
    evidence = models.CharField(_("依据"), max_length=EVIDENCE_MAX)
    #: What converts (≤ the money paid); the rest stays a principal claim on the investee at cost.
    converted_amount = models.DecimalField(_("转股金额（元）"), **MONEY)
    invested_amount = models.DecimalField(_("已出资金额（元）"), **MONEY)
    share = models.DecimalField(_("转股后持股比例"), **SHARE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["investment", "id"]
        verbose_name = _("先投后股转股")
        verbose_name_plural = _("先投后股转股")
        constraints = [
            models.CheckConstraint(
                condition=Q(post_money_valuation__gt=0), name="conversion_valuation_positive"
            ),
            models.CheckConstraint(
                condition=Q(converted_amount__gt=0) & Q(converted_amount__lte=F("invested_amount")),
                name="conversion_within_invested",
            ),
            models.CheckConstraint(condition=Q(share__gt=0) & Q(share__lte=1), name="conversion_share_range"),
        ]

    def __str__(self) -> str:
        return f"{self.investment.number} {self.round_name}"

    @property
    def unconverted(self):
        return self.invested_amount - self.converted_amount


class CapTableEntry(models.Model):
    """One of the investee's other shareholders after the investment (or after the conversion round),
    as declared with evidence."""

    investment = models.ForeignKey(
        Investment, on_delete=models.CASCADE, related_name="cap_table", verbose_name=_("股权投资")
    )
    conversion = models.ForeignKey(
        Conversion,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cap_table",
        verbose_name=_("转股"),
    )
    name = models.CharField(_("股东名称"), max_length=200)
    share = models.DecimalField(_("持股比例"), **SHARE)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["investment", "conversion", "order", "id"]
        verbose_name = _("其他股东")
        verbose_name_plural = _("其他股东")
        constraints = [
            models.CheckConstraint(condition=Q(share__gt=0) & Q(share__lte=1), name="cap_table_share_range"),
        ]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """One staged payment of the investment (分阶段出资), paid through the treasury."""

    investment = models.ForeignKey(
        Investment, on_delete=models.CASCADE, related_name="stages", verbose_name=_("股权投资")
    )
    seq = models.PositiveSmallIntegerField(_("期次"))
    amount = models.DecimalField(_("出资金额（元）"), **MONEY)
    condition = models.CharField(_("出资条件"), max_length=200)
    due_date = models.DateField(_("计划出资日期"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=StageState.choices, default=StageState.PLANNED)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    treasury_ref = models.CharField(_("国库支付凭证号"), max_length=60, blank=True)
    entry = models.OneToOneField(
        "core.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["investment", "seq"]
        verbose_name = _("分阶段出资")
        verbose_name_plural = _("分阶段出资")
        constraints = [
            models.UniqueConstraint(fields=["investment", "seq"], name="equity_stage_seq_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="equity_stage_amount_positive"),
            models.CheckConstraint(
                condition=Q(state=StageState.PAID, paid_on__isnull=False, entry__isnull=False)
                | (~Q(state=StageState.PAID) & Q(entry__isnull=True)),
                name="equity_stage_paid_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.investment.number} #{self.seq}"


class _TwoPersonStep(models.Model):
    """Proposed by the office, confirmed (or rejected) by finance: two people, in that order."""

    state = models.CharField(_("状态"), max_length=10, choices=StepState.choices, default=StepState.PROPOSED)
    reason = models.TextField(_("事由"))
    basis = models.CharField(_("依据（文件或会议）"), max_length=BASIS_MAX)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人")
    )
    proposed_on = models.DateField(_("提出日期"))
    proposed_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("财政部门确认人"),
    )
    decided_on = models.DateField(_("确认日期"), null=True, blank=True)
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    opinion = models.TextField(_("财政部门意见"), blank=True)
    entry = models.OneToOneField(
        "core.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


def _step_constraints(prefix: str) -> list:
    return [
        models.CheckConstraint(condition=Q(state__in=StepState.values), name=f"{prefix}_state_valid"),
        models.CheckConstraint(
            condition=Q(state=StepState.PROPOSED, decided_by__isnull=True, decided_on__isnull=True)
            | (~Q(state=StepState.PROPOSED) & Q(decided_by__isnull=False, decided_on__isnull=False)),
            name=f"{prefix}_decided_has_signature",
        ),
        models.CheckConstraint(
            condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
            name=f"{prefix}_two_people",
        ),
        models.CheckConstraint(
            condition=~Q(state=StepState.REJECTED) | ~Q(opinion=""), name=f"{prefix}_rejection_has_opinion"
        ),
        models.CheckConstraint(
            condition=Q(state=StepState.CONFIRMED, entry__isnull=False)
            | (~Q(state=StepState.CONFIRMED) & Q(entry__isnull=True)),
            name=f"{prefix}_confirmed_has_entry",
        ),
        models.UniqueConstraint(
            fields=["investment"],
            condition=Q(state=StepState.PROPOSED),
            name=f"{prefix}_one_open_per_investment",
        ),
    ]


class WriteOff(_TwoPersonStep):
    """先投后股, project failed: the paid money is written off without blame (尽职免责):
    disbursed → ``fund:{year}:written_off:{number}``."""

    investment = models.ForeignKey(
        Investment, on_delete=models.PROTECT, related_name="write_offs", verbose_name=_("股权投资")
    )
    #: The disbursed balance written off (set when finance confirms).
    amount = models.DecimalField(_("核销金额（元）"), **MONEY, null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("先投后股核销")
        verbose_name_plural = _("先投后股核销")
        constraints = _step_constraints("equity_writeoff")

    def __str__(self) -> str:
        return f"{self.investment.number} {_('核销')}"


class Exit(_TwoPersonStep):
    """退出: the office proposes the exit with its proceeds; finance confirms the receipt with the bank
    reference, and the money goes back to the fund."""

    investment = models.ForeignKey(
        Investment, on_delete=models.PROTECT, related_name="exits", verbose_name=_("股权投资")
    )
    kind = models.CharField(_("退出方式"), max_length=12, choices=ExitKind.choices)
    counterparty = models.CharField(_("受让方或回购方"), max_length=200, blank=True)
    proceeds = models.DecimalField(_("退出所得（元）"), **MONEY)
    #: Set when finance confirms: the money held at exit and how the proceeds split.
    invested = models.DecimalField(_("退出时持有的投资本金（元）"), **MONEY, null=True, blank=True)
    principal = models.DecimalField(_("收回本金（元）"), **MONEY, null=True, blank=True)
    gain = models.DecimalField(_("投资收益（元）"), **MONEY, null=True, blank=True)
    loss = models.DecimalField(_("投资损失（元）"), **MONEY, null=True, blank=True)
    bank_ref = models.CharField(_("银行到账凭证号"), max_length=60, blank=True)
    received_on = models.DateField(_("到账日期"), null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("股权退出")
        verbose_name_plural = _("股权退出")
        constraints = [
            *_step_constraints("equity_exit"),
            models.CheckConstraint(condition=Q(kind__in=ExitKind.values), name="equity_exit_kind_valid"),
            models.CheckConstraint(condition=Q(proceeds__gte=0), name="equity_exit_proceeds_nonnegative"),
            models.CheckConstraint(
                condition=~Q(state=StepState.CONFIRMED)
                | (
                    Q(invested__isnull=False, principal__isnull=False, gain__isnull=False, loss__isnull=False)
                    & Q(proceeds=F("principal") + F("gain"))
                    & Q(invested=F("principal") + F("loss"))
                ),
                name="equity_exit_split_adds_up",
            ),
            models.UniqueConstraint(
                fields=["bank_ref"], condition=~Q(bank_ref=""), name="equity_exit_bank_ref_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.investment.number} {ExitKind(self.kind).label}"
