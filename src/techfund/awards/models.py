"""后补助 / 奖补: support paid after the result, not before it.

- **DueDiligence** (尽职调查): the office's check of a 以赛代评 finalist (its findings, who went, and
  the conclusion). The policy's ``competition.due_diligence_one_in`` says at least one in how many
  finalists must have one before prizes are proposed; a finalist whose check found problems is not
  awarded (its prize is forfeited, not passed down the ranking).
- **AwardVerification** (成果核验): for a general post-award project, the managing department
  verifies the achievement evidence and the eligible spending; the subsidy is the policy's ratio of
  that spending (``post_award``), within the cap and the arranged amount. Prize projects of a
  competition need none: the prize is the amount.
- **AwardPayment** (奖补资金拨付): the payment of a post-award project, in one go, recorded when the
  treasury confirms the instruction finance made (直通车): commitment → disbursed, and whatever the
  commitment still holds beyond the approved amount is released to the focus area.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from techfund.awards.enums import AwardKind, DiligenceConclusion

TEXT_MAX = 2000


class DueDiligence(models.Model):
    call = models.ForeignKey(
        "calls.Call", on_delete=models.PROTECT, related_name="due_diligence", verbose_name=_("指南")
    )
    application = models.OneToOneField(
        "applications.Application",
        on_delete=models.PROTECT,
        related_name="due_diligence",
        verbose_name=_("决赛项目"),
    )
    conducted_on = models.DateField(_("调查日期"))
    investigators = models.CharField(_("调查人员"), max_length=200)
    findings = models.TextField(_("调查情况"))
    conclusion = models.CharField(_("结论"), max_length=12, choices=DiligenceConclusion.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["call", "application__number"]
        verbose_name = _("尽职调查")
        verbose_name_plural = _("尽职调查")
        constraints = [
            models.CheckConstraint(
                condition=Q(conclusion__in=DiligenceConclusion.values), name="diligence_conclusion_valid"
            ),
            models.CheckConstraint(condition=~Q(findings=""), name="diligence_has_findings"),
        ]

    def __str__(self) -> str:
        return f"{self.application.number} {self.get_conclusion_display()}"


class AwardVerification(models.Model):
    project = models.OneToOneField(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="award_verification",
        verbose_name=_("项目"),
    )
    evidence = models.TextField(_("成果与验收证明"))
    eligible_spending = models.DecimalField(_("核定合规支出（元）"), max_digits=18, decimal_places=2)
    ratio = models.DecimalField(_("补助比例"), max_digits=5, decimal_places=4)
    cap = models.DecimalField(_("单个项目上限（元）"), max_digits=18, decimal_places=2, null=True, blank=True)
    approved_amount = models.DecimalField(_("核定补助金额（元）"), max_digits=18, decimal_places=2)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("核验人")
    )
    verified_on = models.DateField(_("核验日期"))
    verified_at = models.DateTimeField(_("核验时间"), auto_now_add=True)

    class Meta:
        ordering = ["project"]
        verbose_name = _("后补助成果核验")
        verbose_name_plural = _("后补助成果核验")
        constraints = [
            models.CheckConstraint(
                condition=Q(eligible_spending__gt=0), name="verification_spending_positive"
            ),
            models.CheckConstraint(condition=Q(approved_amount__gt=0), name="verification_amount_positive"),
            models.CheckConstraint(condition=~Q(evidence=""), name="verification_has_evidence"),
        ]

    def __str__(self) -> str:
        return f"{self.project.number} {self.approved_amount}"


class AwardPayment(models.Model):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="award_payments", verbose_name=_("项目")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=AwardKind.choices)
    instruction = models.OneToOneField(
        "treasury.PaymentInstruction",
        on_delete=models.PROTECT,
        related_name="award_payment",
        verbose_name=_("支付指令"),
    )
    amount = models.DecimalField(_("拨付金额（元）"), max_digits=18, decimal_places=2)
    paid_on = models.DateField(_("支付日期"))
    treasury_ref = models.CharField(_("国库支付凭证号"), max_length=60, unique=True)
    instructed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("制单人")
    )
    verification = models.OneToOneField(
        AwardVerification,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment",
        verbose_name=_("成果核验"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("确认导入人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    #: commitment → disbursed.
    entry = models.OneToOneField("core.JournalEntry", on_delete=models.PROTECT, related_name="+")
    #: commitment → focus area: what the arrangement held beyond the approved amount (post-award pays once).
    released_amount = models.DecimalField(_("释放结余（元）"), max_digits=18, decimal_places=2, default=0)
    release_entry = models.OneToOneField(
        "core.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["project", "paid_on", "id"]
        verbose_name = _("奖补资金拨付")
        verbose_name_plural = _("奖补资金拨付")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="award_payment_positive"),
            # Paid in one go: one payment per project.
            models.UniqueConstraint(fields=["project"], name="award_payment_once_per_project"),
            models.CheckConstraint(condition=Q(kind__in=AwardKind.values), name="award_payment_kind_valid"),
            models.CheckConstraint(
                condition=Q(released_amount=0, release_entry__isnull=True)
                | Q(released_amount__gt=0, release_entry__isnull=False),
                name="award_payment_release_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.treasury_ref} {self.amount}"
