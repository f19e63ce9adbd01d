"""The double-entry ledger. Balances are derived from postings, never stored or edited.

A money movement of ``amount`` from account A to account B is one journal entry with two postings,
``A: -amount`` and ``B: +amount``; every entry sums to zero (balanced). An account's balance is the
sum of its postings. Accounts that hold money (pool, focus-area allocations, commitments…) may not
go negative; source accounts record where money came from and run negative by design.
Entries are immutable: a correction is a reversing entry.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from techfund.core.enums import AccountKind
from techfund.core.models.audit import AppendOnlyError, AppendOnlyQuerySet

ZERO = Decimal("0.00")


class Account(models.Model):
    code = models.CharField(_("科目代码"), max_length=120, unique=True)
    name = models.CharField(_("科目名称"), max_length=200)
    kind = models.CharField(_("科目类型"), max_length=20, choices=AccountKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    may_go_negative = models.BooleanField(_("允许负余额"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("账户")
        verbose_name_plural = _("账户")

    def __str__(self) -> str:
        return self.name


class JournalEntry(models.Model):
    posted_at = models.DateTimeField(_("记账时间"), auto_now_add=True)
    code = models.CharField(_("业务类型"), max_length=64)
    memo = models.CharField(pgettext_lazy("ledger entry", "摘要"), max_length=300)
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("冲销"),
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记账人"),
    )
    ref_type = models.CharField(max_length=64, blank=True)
    ref_id = models.CharField(max_length=64, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")
        indexes = [models.Index(fields=["ref_type", "ref_id"], name="entry_ref_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.code} {self.memo}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("journal entries are immutable; post a reversing entry")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("journal entries are immutable; post a reversing entry")


class Posting(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = models.DecimalField(max_digits=18, decimal_places=2)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="posting_nonzero")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("postings are immutable")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("postings are immutable")
