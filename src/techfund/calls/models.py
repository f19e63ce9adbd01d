"""申报指南 / 申报通知 — a call for applications in one focus area with one establishment mode.

Eligibility and limits (限项) are fields, checked when an application is submitted and again at
the formal check. A call's path through review follows its establishment mode (RULES.md):
竞争立项 and 组阁揭榜 go through expert review, 以赛代评 replaces review by a competition ranking,
定向委托 names the unit, 稳定支持 supports a listed unit.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from techfund.calls.enums import CallState
from techfund.policy.enums import EstablishmentMode


class Call(models.Model):
    fund_year = models.ForeignKey("funds.FundYear", on_delete=models.PROTECT, related_name="calls")
    focus_area = models.ForeignKey("policy.FocusArea", on_delete=models.PROTECT, verbose_name=_("重点领域"))
    code = models.CharField(_("指南编号"), max_length=40, unique=True)
    title = models.CharField(_("指南名称"), max_length=200)
    body = models.TextField(_("指南内容"), blank=True)
    establishment_mode = models.CharField(_("立项方式"), max_length=16, choices=EstablishmentMode.choices)
    support_modes = models.JSONField(_("支持方式"), default=list)
    ceiling = models.DecimalField(_("单项资助上限（元）"), max_digits=18, decimal_places=2)
    co_funding_ratio = models.DecimalField(
        _("自筹资金与申请资金最低比例"),
        max_digits=6,
        decimal_places=4,
        default=0,
        help_text=_("例如 1.0000 表示自筹资金不少于申请的财政资金。"),
    )
    eligible_kinds = models.JSONField(_("可申报单位类型"), default=list, blank=True)
    required_qualifications = models.JSONField(_("须具备资质（其一即可）"), default=list, blank=True)
    block_credit_blocked = models.BooleanField(_("失信单位不得申报"), default=True)
    per_org_limit = models.PositiveSmallIntegerField(_("每单位限报项数"), default=2)
    per_person_limit = models.PositiveSmallIntegerField(_("每位负责人限报项数"), default=1)
    opens_at = models.DateTimeField(_("开始申报时间"))
    closes_at = models.DateTimeField(_("截止申报时间"))
    # 组阁揭榜 (challenge list): what is to be solved, the funding on offer and the deadline.
    challenge_targets = models.TextField(_("榜单目标"), blank=True)
    challenge_funding = models.DecimalField(
        _("榜单资金（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    challenge_deadline = models.DateField(_("揭榜完成期限"), null=True, blank=True)
    # 以赛代评: prize tiers by rank, e.g. [{"rank_from": 1, "rank_to": 1, "amount": "1000000.00"}].
    prize_tiers = models.JSONField(_("奖补档次"), default=list, blank=True)
    # 定向委托 / 稳定支持: the units named in advance.
    designated_organisations = models.ManyToManyField(
        "core.Organisation", blank=True, related_name="designated_calls", verbose_name=_("指定承担单位")
    )
    state = models.CharField(_("状态"), max_length=12, choices=CallState.choices, default=CallState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        ordering = ["-fund_year__year", "code"]
        verbose_name = _("申报指南")
        verbose_name_plural = _("申报指南")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="call_closes_after_opens"),
            models.CheckConstraint(condition=Q(ceiling__gt=0), name="call_ceiling_positive"),
            models.CheckConstraint(condition=Q(co_funding_ratio__gte=0), name="call_cofunding_nonnegative"),
            models.CheckConstraint(
                condition=~Q(state=CallState.PUBLISHED) | Q(published_at__isnull=False),
                name="call_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(per_org_limit__gte=1) & Q(per_person_limit__gte=1), name="call_limits_positive"
            ),
            # 组阁揭榜: the challenge list is published with its targets, funding and deadline.
            models.CheckConstraint(
                condition=~Q(establishment_mode=EstablishmentMode.CHALLENGE)
                | (
                    ~Q(challenge_targets="")
                    & Q(challenge_funding__gt=0)
                    & Q(challenge_deadline__isnull=False)
                ),
                name="call_challenge_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class CallQuota(models.Model):
    """Per-department recommendation quota (推荐限额) for one call."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="quotas")
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, verbose_name=_("职能部门"))
    quota = models.PositiveSmallIntegerField(_("推荐限额"))

    class Meta:
        verbose_name = _("推荐限额")
        verbose_name_plural = _("推荐限额")
        constraints = [models.UniqueConstraint(fields=["call", "department"], name="call_quota_unique")]

    def __str__(self) -> str:
        return f"{self.call.code} {self.department} {self.quota}"
