"""立项建议清单, 领导小组审定, 公示 and 异议.

The office proposes items (amount, support mode, implementing unit) in numbered batches (分批分次);
the amount is reserved from the focus area's allocation in the ledger when the batch is submitted,
so no batch can promise money the area does not have. The leading group approves, modifies or
rejects each item with its basis (rejected or reduced amounts are released back to the area).
Approved items are publicised for the policy's working days; an upheld objection withdraws the item
and releases its money; an item becomes final when the period has ended with no open objection.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from techfund.decisions.enums import BatchState, DecisionKind, ItemState, ObjectionState, PublicityState


class ProposalBatch(models.Model):
    fund_year = models.ForeignKey("funds.FundYear", on_delete=models.PROTECT, related_name="proposal_batches")
    number = models.PositiveSmallIntegerField(_("批次"))
    title = models.CharField(_("标题"), max_length=200)
    state = models.CharField(_("状态"), max_length=10, choices=BatchState.choices, default=BatchState.DRAFT)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审定时间"), null=True, blank=True)

    class Meta:
        ordering = ["fund_year", "number"]
        verbose_name = _("立项建议批次")
        verbose_name_plural = _("立项建议批次")
        constraints = [
            models.UniqueConstraint(fields=["fund_year", "number"], name="proposal_batch_number_unique"),
            models.CheckConstraint(
                condition=Q(state=BatchState.DRAFT) | Q(submitted_at__isnull=False),
                name="batch_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProposalItem(models.Model):
    batch = models.ForeignKey(ProposalBatch, on_delete=models.PROTECT, related_name="items")
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="proposal_items"
    )
    focus_area = models.ForeignKey("policy.FocusArea", on_delete=models.PROTECT, verbose_name=_("重点领域"))
    amount = models.DecimalField(_("建议金额（元）"), max_digits=18, decimal_places=2)
    support_mode = models.CharField(_("支持方式"), max_length=20)
    implementing_organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("实施主体")
    )
    review_score = models.DecimalField(_("评审得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    review_rank = models.PositiveIntegerField(_("评审排名"), null=True, blank=True)
    note = models.CharField(_("建议理由"), max_length=300, blank=True)
    state = models.CharField(_("状态"), max_length=14, choices=ItemState.choices, default=ItemState.PROPOSED)
    decision = models.CharField(_("审定意见"), max_length=10, choices=DecisionKind.choices, blank=True)
    decided_amount = models.DecimalField(
        _("审定金额（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    basis = models.TextField(_("审定依据"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    publicity = models.ForeignKey(
        "Publicity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("公示"),
    )
    #: The application's state before it was proposed, restored when the office removes the item.
    prior_state = models.CharField(_("列入前申报状态"), max_length=16, blank=True)
    #: area → reserved when the batch goes to the leading group.
    reserve_entry = models.OneToOneField(
        "core.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: reserved → area for the part a modified decision cut (调整后同意).
    adjust_entry = models.OneToOneField(
        "core.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: reserved → area for the whole remaining reservation (rejected, or withdrawn on an upheld objection).
    release_entry = models.OneToOneField(
        "core.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["batch", "focus_area__order", "review_rank", "id"]
        verbose_name = _("立项建议事项")
        verbose_name_plural = _("立项建议事项")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="item_amount_positive"),
            models.CheckConstraint(
                condition=Q(state__in=[ItemState.PROPOSED, ItemState.REJECTED])
                | (Q(decided_amount__isnull=False) & Q(decided_amount__gt=0)),
                name="item_approved_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(decided_amount__isnull=True) | Q(decided_amount__lte=F("amount")),
                name="item_decided_within_proposed",
            ),
            models.CheckConstraint(
                condition=Q(state=ItemState.PROPOSED) | ~Q(basis=""), name="item_decided_has_basis"
            ),
            models.CheckConstraint(
                condition=Q(state=ItemState.PROPOSED) | ~Q(decision=""), name="item_decided_has_decision"
            ),
            models.CheckConstraint(
                condition=~Q(decision=DecisionKind.MODIFY) | Q(decided_amount__lt=F("amount")),
                name="item_modified_below_proposed",
            ),
            models.CheckConstraint(
                condition=~Q(decision=DecisionKind.REJECT) | Q(decided_amount__isnull=True),
                name="item_rejected_has_no_amount",
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=~Q(state__in=[ItemState.REJECTED, ItemState.WITHDRAWN]),
                name="item_one_live_per_application",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.title} {self.amount}"


class Publicity(models.Model):
    fund_year = models.ForeignKey("funds.FundYear", on_delete=models.PROTECT, related_name="publicities")
    number = models.PositiveSmallIntegerField(_("公示批次"))
    title = models.CharField(_("公示标题"), max_length=200)
    starts_on = models.DateField(_("公示开始日期"))
    ends_on = models.DateField(_("公示截止日期"))
    working_days = models.PositiveSmallIntegerField(_("公示工作日数"))
    state = models.CharField(
        _("状态"), max_length=10, choices=PublicityState.choices, default=PublicityState.OPEN
    )
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "number"]
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        constraints = [
            models.UniqueConstraint(fields=["fund_year", "number"], name="publicity_number_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="publicity_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Objection(models.Model):
    publicity = models.ForeignKey(Publicity, on_delete=models.PROTECT, related_name="objections")
    item = models.ForeignKey(ProposalItem, on_delete=models.PROTECT, related_name="objections")
    name = models.CharField(_("异议人"), max_length=50)
    contact = models.CharField(_("联系方式"), max_length=100)
    reason = models.TextField(_("异议内容"))
    state = models.CharField(
        _("状态"), max_length=10, choices=ObjectionState.choices, default=ObjectionState.OPEN
    )
    reply = models.TextField(_("处理意见"), blank=True)
    filed_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["publicity", "filed_at", "id"]
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        constraints = [
            models.CheckConstraint(
                condition=Q(state=ObjectionState.OPEN) | (~Q(reply="") & Q(resolved_at__isnull=False)),
                name="objection_resolved_has_reply",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.item}"
