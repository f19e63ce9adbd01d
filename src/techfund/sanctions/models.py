"""暂停拨款、终止项目执行、追回已拨资金: joint decisions of the leading group's office and finance.

A **sanction order** (处置建议) is proposed by the office — suspend payments, lift the suspension or
terminate the project — with its reason and basis (文件/会议依据). It takes effect only when finance
concurs (two signatures, two people); finance may instead reject it with an opinion. On concurrence
the project moves (in_progress → suspended, suspended → in_progress, arranged | in_progress |
suspended → terminated) and, for a termination, the project's unpaid commitment is released back to
its focus area in the ledger. A project has at most one order waiting for finance at a time.

A **recovery order** (追回通知) asks the implementing unit to pay back money already disbursed: the
office drafts it, finance confirms it (then it is open); **receipts** (缴回) recorded by finance move
the money disbursed → the fund year's pool, and the order is settled when fully received.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from techfund.projects.enums import ProjectState
from techfund.sanctions.enums import RecoveryState, SanctionKind, SanctionState

TEXT_MAX = 2000
BASIS_MAX = 300


class SanctionOrder(models.Model):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="sanction_orders", verbose_name=_("项目")
    )
    number = models.CharField(_("编号"), max_length=40, unique=True)
    kind = models.CharField(_("处置类别"), max_length=10, choices=SanctionKind.choices)
    state = models.CharField(
        _("状态"), max_length=10, choices=SanctionState.choices, default=SanctionState.PROPOSED
    )
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
        verbose_name=_("财政部门会签人"),
    )
    decided_on = models.DateField(_("会签日期"), null=True, blank=True)
    decided_at = models.DateTimeField(_("会签时间"), null=True, blank=True)
    opinion = models.TextField(_("财政部门意见"), blank=True)
    #: The project's state when the order took effect (the move is from_state → the kind's target).
    from_state = models.CharField(
        _("生效前项目状态"), max_length=12, blank=True, choices=ProjectState.choices
    )
    #: Terminations: the unpaid commitment released to the focus area (0 when nothing was unpaid).
    released_amount = models.DecimalField(
        _("释放未拨付资金（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    release_entry = models.OneToOneField(
        "core.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("释放凭证"),
    )

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("暂停拨款、终止项目建议")
        verbose_name_plural = _("暂停拨款、终止项目建议")
        constraints = [
            # One order waiting for finance per project: two open proposals could contradict each other.
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(state=SanctionState.PROPOSED),
                name="sanction_one_open_order_per_project",
            ),
            models.CheckConstraint(condition=Q(kind__in=SanctionKind.values), name="sanction_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=SanctionState.values), name="sanction_state_valid"),
            # Decided ⇔ signed by finance, on a date; the two signatures are two people.
            models.CheckConstraint(
                condition=(
                    Q(state=SanctionState.PROPOSED, decided_by__isnull=True, decided_on__isnull=True)
                    | (
                        ~Q(state=SanctionState.PROPOSED)
                        & Q(decided_by__isnull=False, decided_on__isnull=False, decided_at__isnull=False)
                    )
                ),
                name="sanction_decided_has_signature",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
                name="sanction_two_people",
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("proposed_on")),
                name="sanction_decided_after_proposed",
            ),
            models.CheckConstraint(
                condition=~Q(state=SanctionState.REJECTED) | ~Q(opinion=""),
                name="sanction_rejection_has_opinion",
            ),
            # The released amount belongs to effective terminations, and only to them.
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=SanctionKind.TERMINATE,
                        state=SanctionState.EFFECTIVE,
                        released_amount__isnull=False,
                        released_amount__gte=0,
                    )
                    | (
                        ~Q(kind=SanctionKind.TERMINATE, state=SanctionState.EFFECTIVE)
                        & Q(released_amount__isnull=True)
                    )
                ),
                name="sanction_release_only_on_termination",
            ),
            models.CheckConstraint(
                condition=Q(release_entry__isnull=True, released_amount__isnull=True)
                | Q(release_entry__isnull=True, released_amount=0)
                | Q(release_entry__isnull=False, released_amount__gt=0),
                name="sanction_release_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {SanctionKind(self.kind).label}"


class RecoveryOrder(models.Model):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="recovery_orders", verbose_name=_("项目")
    )
    number = models.CharField(_("编号"), max_length=40, unique=True)
    amount = models.DecimalField(_("追回金额（元）"), max_digits=18, decimal_places=2)
    reason = models.TextField(_("事由"))
    basis = models.CharField(_("依据（文件或会议）"), max_length=BASIS_MAX)
    deadline = models.DateField(_("缴回期限"))
    state = models.CharField(
        _("状态"), max_length=10, choices=RecoveryState.choices, default=RecoveryState.PROPOSED
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("拟定人")
    )
    issued_on = models.DateField(_("拟定日期"))
    issued_at = models.DateTimeField(_("拟定时间"), auto_now_add=True)
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
    settled_on = models.DateField(_("缴清日期"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("追回通知")
        verbose_name_plural = _("追回通知")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive"),
            models.CheckConstraint(condition=Q(state__in=RecoveryState.values), name="recovery_state_valid"),
            models.CheckConstraint(
                condition=Q(deadline__gt=F("issued_on")), name="recovery_deadline_after_issue"
            ),
            models.CheckConstraint(
                condition=(
                    Q(state=RecoveryState.PROPOSED, decided_by__isnull=True, decided_on__isnull=True)
                    | (
                        ~Q(state=RecoveryState.PROPOSED)
                        & Q(decided_by__isnull=False, decided_on__isnull=False, decided_at__isnull=False)
                    )
                ),
                name="recovery_decided_has_signature",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("issued_by")),
                name="recovery_two_people",
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("issued_on")),
                name="recovery_decided_after_issued",
            ),
            models.CheckConstraint(
                condition=~Q(state=RecoveryState.REJECTED) | ~Q(opinion=""),
                name="recovery_rejection_has_opinion",
            ),
            models.CheckConstraint(
                condition=Q(state=RecoveryState.SETTLED, settled_on__isnull=False)
                | (~Q(state=RecoveryState.SETTLED) & Q(settled_on__isnull=True)),
                name="recovery_settled_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class RecoveryReceipt(models.Model):
    """Money paid back by the unit against a recovery order (缴回), as the treasury received it."""

    order = models.ForeignKey(
        RecoveryOrder, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("追回通知")
    )
    amount = models.DecimalField(_("缴回金额（元）"), max_digits=18, decimal_places=2)
    received_on = models.DateField(_("缴回日期"))
    treasury_ref = models.CharField(_("国库缴款凭证号"), max_length=60, unique=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    #: disbursed → the fund year's pool.
    entry = models.OneToOneField("core.JournalEntry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["order", "received_on", "id"]
        verbose_name = _("追回资金缴回")
        verbose_name_plural = _("追回资金缴回")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_receipt_positive")]

    def __str__(self) -> str:
        return f"{self.treasury_ref} {self.amount}"
