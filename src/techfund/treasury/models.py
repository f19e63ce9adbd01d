"""国库集中支付“直通车”: the implementing unit's bank account, the payment instructions every
support mode creates, the batches sent to the treasury and the treasury's confirmations.

- **PayeeAccount** (收款账户): the organisation's bank account. A change never overwrites: a new row
  is recorded (by the unit's applicant or by finance), finance verifies it (another person than the one
  who recorded it), and the verified row replaces the previous one (``superseded``). At most one
  verified and one pending account per organisation.
- **PaymentInstruction** (支付指令): one payment of ``amount`` to ``payee`` for a record of a support
  mode (``source_type`` = the record's model label, ``source_id`` = its pk), with the payee's account
  copied at instruction time. pending → batched → confirmed | returned; pending/batched → cancelled.
- **PaymentBatch** (支付批次): instructions sent to the treasury in one file. draft → sent → reconciled.
- **ConfirmationImport / Confirmation**: every imported treasury file and each of its rows with the
  result of reconciling it (matched, mismatch, unknown, duplicate) and why.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from techfund.treasury.enums import (
    AccountState,
    BatchState,
    ConfirmationResult,
    ConfirmationStatus,
    InstructionState,
)


class PayeeAccount(models.Model):
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="payee_accounts", verbose_name=_("单位")
    )
    account_name = models.CharField(_("户名"), max_length=200)
    bank_name = models.CharField(_("开户银行"), max_length=100)
    account_number = models.CharField(_("银行账号"), max_length=32)
    bank_code = models.CharField(_("联行号"), max_length=12)
    state = models.CharField(
        _("状态"), max_length=12, choices=AccountState.choices, default=AccountState.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("核验人"),
    )
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    opinion = models.CharField(_("核验意见"), max_length=300, blank=True)
    superseded_at = models.DateTimeField(_("替换时间"), null=True, blank=True)

    class Meta:
        ordering = ["organisation", "-recorded_at", "-id"]
        verbose_name = _("收款账户")
        verbose_name_plural = _("收款账户")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(state=AccountState.VERIFIED),
                name="payee_one_verified_per_org",
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(state=AccountState.PENDING),
                name="payee_one_pending_per_org",
            ),
            models.CheckConstraint(
                condition=Q(account_number__regex=r"^[0-9]{8,32}$"), name="payee_number_digits"
            ),
            models.CheckConstraint(condition=Q(bank_code__regex=r"^[0-9]{12}$"), name="payee_bank_code_12"),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | ~Q(verified_by=models.F("recorded_by")),
                name="payee_verified_by_another",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[AccountState.VERIFIED])
                | Q(verified_by__isnull=False, verified_at__isnull=False),
                name="payee_verified_has_signature",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_name} {self.bank_name} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        n = self.account_number
        return f"{n[:4]}****{n[-4:]}" if len(n) > 8 else n


class PaymentBatch(models.Model):
    number = models.CharField(_("批次编号"), max_length=40, unique=True)
    fund_year = models.ForeignKey(
        "funds.FundYear", on_delete=models.PROTECT, related_name="payment_batches", verbose_name=_("年度")
    )
    state = models.CharField(_("状态"), max_length=12, choices=BatchState.choices, default=BatchState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("编制人")
    )
    created_at = models.DateTimeField(_("编制时间"), auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导出人"),
    )
    sent_at = models.DateTimeField(_("导出时间"), null=True, blank=True)
    reconciled_at = models.DateTimeField(_("对账完成时间"), null=True, blank=True)
    #: Every file exported for the batch: ``[{"fmt": "xlsx", "sha256": "...", "at": "...", "by": id}]``.
    file_hashes = models.JSONField(_("导出文件摘要"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("支付批次")
        verbose_name_plural = _("支付批次")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=BatchState.values), name="batch_state_valid"),
            models.CheckConstraint(
                condition=Q(state=BatchState.DRAFT) | Q(sent_at__isnull=False, sent_by__isnull=False),
                name="batch_sent_has_signature",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class PaymentInstruction(models.Model):
    number = models.CharField(_("指令编号"), max_length=40, unique=True)
    fund_year = models.ForeignKey(
        "funds.FundYear",
        on_delete=models.PROTECT,
        related_name="payment_instructions",
        verbose_name=_("年度"),
    )
    purpose = models.CharField(_("用途"), max_length=30)
    source_type = models.CharField(_("来源记录类型"), max_length=64)
    source_id = models.CharField(_("来源记录"), max_length=64)
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_instructions",
        verbose_name=_("项目"),
    )
    payee = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="payment_instructions",
        verbose_name=_("收款单位"),
    )
    account = models.ForeignKey(
        PayeeAccount, on_delete=models.PROTECT, related_name="instructions", verbose_name=_("收款账户")
    )
    # The account as it was when instructed (the file and the reconciliation use these).
    account_name = models.CharField(_("户名"), max_length=200)
    bank_name = models.CharField(_("开户银行"), max_length=100)
    account_number = models.CharField(_("银行账号"), max_length=32)
    bank_code = models.CharField(_("联行号"), max_length=12)
    amount = models.DecimalField(_("金额（元）"), max_digits=18, decimal_places=2)
    memo = models.CharField(_("用途说明"), max_length=200, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=InstructionState.choices, default=InstructionState.PENDING
    )
    batch = models.ForeignKey(
        PaymentBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instructions",
        verbose_name=_("支付批次"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("制单人")
    )
    created_at = models.DateTimeField(_("制单时间"), auto_now_add=True)
    treasury_ref = models.CharField(_("国库支付凭证号"), max_length=60, null=True, blank=True, unique=True)
    paid_on = models.DateField(_("支付日期"), null=True, blank=True)
    entry = models.OneToOneField(
        "core.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记账凭证"),
    )
    settled_at = models.DateTimeField(_("确认或退回时间"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    cancel_reason = models.CharField(_("撤销原因"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("支付指令")
        verbose_name_plural = _("支付指令")
        indexes = [models.Index(fields=["source_type", "source_id"], name="instr_source_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="instr_amount_positive"),
            models.CheckConstraint(condition=Q(state__in=InstructionState.values), name="instr_state_valid"),
            # Paid ⇔ confirmed by the treasury: a reference, a date and the ledger entry.
            models.CheckConstraint(
                condition=(
                    Q(state=InstructionState.CONFIRMED)
                    & Q(treasury_ref__isnull=False, paid_on__isnull=False, entry__isnull=False)
                )
                | (~Q(state=InstructionState.CONFIRMED) & Q(treasury_ref__isnull=True, entry__isnull=True)),
                name="instr_confirmed_has_ref",
            ),
            models.CheckConstraint(
                condition=~Q(
                    state__in=[
                        InstructionState.BATCHED,
                        InstructionState.CONFIRMED,
                        InstructionState.RETURNED,
                    ]
                )
                | Q(batch__isnull=False),
                name="instr_sent_in_batch",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ConfirmationImport(models.Model):
    """One treasury confirmation file imported for a batch."""

    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, related_name="imports", verbose_name=_("支付批次")
    )
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("导入人")
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    matched = models.PositiveIntegerField(_("相符"), default=0)
    problems = models.PositiveIntegerField(_("不符、无对应或重复"), default=0)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("国库支付确认导入")
        verbose_name_plural = _("国库支付确认导入")

    def __str__(self) -> str:
        return f"{self.batch} {self.filename}"


class Confirmation(models.Model):
    """One row of an imported confirmation file, as read, with the result of reconciling it."""

    file = models.ForeignKey(ConfirmationImport, on_delete=models.PROTECT, related_name="rows")
    row = models.PositiveIntegerField(_("行号"))
    instruction_number = models.CharField(_("指令编号"), max_length=60, blank=True)
    instruction = models.ForeignKey(
        PaymentInstruction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="confirmations",
        verbose_name=_("支付指令"),
    )
    treasury_ref = models.CharField(_("国库支付凭证号"), max_length=60, blank=True)
    amount = models.DecimalField(_("金额（元）"), max_digits=18, decimal_places=2, null=True, blank=True)
    account_number = models.CharField(_("银行账号"), max_length=40, blank=True)
    paid_on = models.DateField(_("支付日期"), null=True, blank=True)
    status = models.CharField(_("国库状态"), max_length=10, blank=True, choices=ConfirmationStatus.choices)
    status_reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    result = models.CharField(_("对账结果"), max_length=10, choices=ConfirmationResult.choices)
    #: What kind of problem (``services.confirmations.PROBLEMS``); "" when matched.
    code = models.CharField(_("问题类型"), max_length=20, blank=True)
    reason = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        ordering = ["file", "row"]
        verbose_name = _("国库支付确认")
        verbose_name_plural = _("国库支付确认")

    def __str__(self) -> str:
        return f"{self.instruction_number} {self.treasury_ref}"
