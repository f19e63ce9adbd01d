"""The annual fund (市级科技创新发展资金): contributions pooled from sources, and the framework
allocation by focus area (框架配置) that the leading group approves.

Money is never stored on these records as a balance: each contribution and each approved allocation
is a ledger entry (``entry``), and every balance shown is derived from the ledger.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from techfund.core.enums import Level
from techfund.funds.enums import ContributionState, FrameworkState


class FundYear(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    profile = models.ForeignKey("policy.PolicyProfile", on_delete=models.PROTECT, verbose_name=_("政策配置"))
    name = models.CharField(_("名称"), max_length=100)
    opened_at = models.DateTimeField(_("设立时间"), auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("年度资金")
        verbose_name_plural = _("年度资金")

    def __str__(self) -> str:
        return self.name


class Contribution(models.Model):
    fund_year = models.ForeignKey(FundYear, on_delete=models.PROTECT, related_name="contributions")
    source_type = models.ForeignKey(
        "policy.FundSourceType", on_delete=models.PROTECT, verbose_name=_("资金来源")
    )
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, verbose_name=_("来源部门"))
    level = models.CharField(_("级次"), max_length=12, choices=Level.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=18, decimal_places=2)
    document_ref = models.CharField(_("资金文号"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=ContributionState.choices, default=ContributionState.RECORDED
    )
    entry = models.OneToOneField(
        "core.JournalEntry", on_delete=models.PROTECT, related_name="+", null=True, verbose_name=_("入池凭证")
    )
    void_entry = models.OneToOneField(
        "core.JournalEntry",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("冲销凭证"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField(_("冲销时间"), null=True, blank=True)
    void_reason = models.TextField(_("冲销理由"), blank=True)

    class Meta:
        ordering = ["fund_year", "id"]
        verbose_name = _("资金来源登记")
        verbose_name_plural = _("资金来源登记")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="contribution_positive"),
            models.CheckConstraint(
                condition=~Q(state=ContributionState.VOIDED) | Q(void_entry__isnull=False),
                name="contribution_void_has_entry",
            ),
            models.CheckConstraint(
                condition=~Q(state=ContributionState.VOIDED) | ~Q(void_reason=""),
                name="contribution_void_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund_year.year} {self.source_type} {self.amount}"


class Framework(models.Model):
    fund_year = models.ForeignKey(FundYear, on_delete=models.PROTECT, related_name="frameworks")
    number = models.PositiveSmallIntegerField(_("批次"))
    title = models.CharField(_("标题"), max_length=200)
    state = models.CharField(
        _("状态"), max_length=12, choices=FrameworkState.choices, default=FrameworkState.DRAFT
    )
    equity_pilot_share = models.DecimalField(_("股权投资试点比例"), max_digits=5, decimal_places=4, default=0)
    note = models.TextField(_("说明"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审定意见"), blank=True)

    class Meta:
        ordering = ["fund_year", "number"]
        verbose_name = _("框架配置")
        verbose_name_plural = _("框架配置")
        constraints = [
            models.UniqueConstraint(fields=["fund_year", "number"], name="framework_number_unique"),
            models.CheckConstraint(
                condition=Q(equity_pilot_share__gte=0) & Q(equity_pilot_share__lte=1),
                name="framework_share_range",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[FrameworkState.APPROVED, FrameworkState.RETURNED])
                | Q(decided_at__isnull=False),
                name="framework_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=FrameworkState.RETURNED) | ~Q(decision_reason=""),
                name="framework_returned_has_reason",
            ),
            # 分期分批: several frameworks a year, but only one being drafted or decided at a time.
            models.UniqueConstraint(
                fields=["fund_year"],
                condition=Q(state__in=[FrameworkState.DRAFT, FrameworkState.SUBMITTED]),
                name="framework_one_open_per_year",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Allocation(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="allocations")
    focus_area = models.ForeignKey("policy.FocusArea", on_delete=models.PROTECT, verbose_name=_("重点领域"))
    amount = models.DecimalField(_("配置金额（元）"), max_digits=18, decimal_places=2)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    entry = models.OneToOneField(
        "core.JournalEntry",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("配置凭证"),
    )

    class Meta:
        ordering = ["framework", "focus_area__order"]
        verbose_name = _("领域配置")
        verbose_name_plural = _("领域配置")
        constraints = [
            models.UniqueConstraint(fields=["framework", "focus_area"], name="allocation_area_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.focus_area} {self.amount}"
