"""专家评审 — the expert pool, review rounds with weighted criteria, assignments and scores.

Basic review (issue 3): the office assigns experts by hand, experts score each criterion and comment,
and the round's result per application is the weighted mean of the submitted scores, ranked per focus
area. The review-engine issue deepens conflicts, assignment and calibration on these same records.
A later round never overwrites an earlier one: results are kept per round.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from techfund.review.enums import AssignmentState, ExpertStatus, Recommendation, ReviewMethod, RoundState


class Expert(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expert_profile"
    )
    name = models.CharField(_("姓名"), max_length=50)
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="experts",
        verbose_name=_("工作单位"),
    )
    organisation_name = models.CharField(_("工作单位名称"), max_length=200, blank=True)
    title = models.CharField(_("职称"), max_length=50, blank=True)
    subjects = models.JSONField(_("学科/领域代码"), default=list, blank=True)
    keywords = models.JSONField(_("研究方向关键词"), default=list, blank=True)
    profile = models.TextField(_("个人简介"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ExpertStatus.choices, default=ExpertStatus.ACTIVE
    )
    max_load = models.PositiveSmallIntegerField(_("每轮最多评审数"), default=20)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("评审专家")
        verbose_name_plural = _("评审专家")
        constraints = [models.CheckConstraint(condition=Q(max_load__gte=1), name="expert_max_load_positive")]

    def __str__(self) -> str:
        return self.name


class ReviewRound(models.Model):
    call = models.ForeignKey("calls.Call", on_delete=models.PROTECT, related_name="review_rounds")
    name = models.CharField(_("轮次名称"), max_length=100)
    method = models.CharField(_("评审方式"), max_length=12, choices=ReviewMethod.choices)
    sequence = models.PositiveSmallIntegerField(_("轮次"))
    state = models.CharField(_("状态"), max_length=10, choices=RoundState.choices, default=RoundState.DRAFT)
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_rounds",
        verbose_name=_("上一轮"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["call_id", "sequence"]
        verbose_name = _("评审轮次")
        verbose_name_plural = _("评审轮次")
        constraints = [
            models.UniqueConstraint(fields=["call", "sequence"], name="round_sequence_unique"),
            models.CheckConstraint(
                condition=~Q(state=RoundState.CLOSED) | Q(closed_at__isnull=False),
                name="round_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call.code} {self.name}"


class Criterion(models.Model):
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("评审要素"), max_length=100)
    weight = models.DecimalField(_("权重（%）"), max_digits=5, decimal_places=2)
    max_score = models.DecimalField(_("满分"), max_digits=6, decimal_places=2, default=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["round_id", "order", "id"]
        verbose_name = _("评审要素")
        verbose_name_plural = _("评审要素")
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="criterion_code_unique"),
            models.CheckConstraint(
                condition=Q(weight__gt=0) & Q(weight__lte=100), name="criterion_weight_range"
            ),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="criterion_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.weight}%）"


class Assignment(models.Model):
    round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="assignments")
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="assignments"
    )
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="assignments")
    state = models.CharField(
        _("状态"), max_length=10, choices=AssignmentState.choices, default=AssignmentState.ASSIGNED
    )
    total = models.DecimalField(_("加权得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("评审意见"), blank=True)
    recommendation = models.CharField(
        _("评审建议"), max_length=16, choices=Recommendation.choices, blank=True
    )
    decline_reason = models.CharField(_("回避/拒绝理由"), max_length=300, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round_id", "application_id", "id"]
        verbose_name = _("评审任务")
        verbose_name_plural = _("评审任务")
        constraints = [
            models.UniqueConstraint(fields=["round", "application", "expert"], name="assignment_unique"),
            models.CheckConstraint(
                condition=~Q(state=AssignmentState.SUBMITTED)
                | (Q(total__isnull=False) & Q(submitted_at__isnull=False)),
                name="assignment_submitted_has_score",
            ),
            models.CheckConstraint(
                condition=~Q(state=AssignmentState.SUBMITTED)
                | (Q(total__gte=0) & Q(total__lte=100) & ~Q(comment="")),
                name="assignment_submitted_total_range",
            ),
            models.CheckConstraint(
                condition=~Q(state=AssignmentState.DECLINED) | ~Q(decline_reason=""),
                name="assignment_declined_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.application.number} · {self.expert}"


class Score(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    value = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="score_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="score_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code}={self.value}"


class RoundResult(models.Model):
    """The aggregate of one application in one round: weighted mean, rank within its focus area."""

    round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="results")
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="round_results"
    )
    score = models.DecimalField(_("综合得分"), max_digits=6, decimal_places=2)
    reviews = models.PositiveSmallIntegerField(_("有效评审数"))
    rank = models.PositiveIntegerField(_("领域排名"))
    recommendation = models.CharField(_("评审结论"), max_length=16, choices=Recommendation.choices)
    reasons = models.TextField(_("理由"), blank=True)

    class Meta:
        ordering = ["round_id", "rank", "id"]
        verbose_name = _("评审结果")
        verbose_name_plural = _("评审结果")
        constraints = [
            models.UniqueConstraint(fields=["round", "application"], name="round_result_unique"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="round_result_score_range"
            ),
            models.CheckConstraint(condition=Q(reviews__gte=1), name="round_result_has_reviews"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.application.number} · {self.score}"
