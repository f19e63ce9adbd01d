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

from techfund.review.enums import (
    AgendaReason,
    AssignmentMode,
    AssignmentState,
    ConflictRule,
    ExpertStatus,
    MeetingState,
    PanelRole,
    PlanState,
    Recommendation,
    Relationship,
    ResultBasis,
    ReviewMethod,
    RoundState,
)


class Expert(models.Model):
    #: The expert's sign-in account. Empty for an expert imported without one: accounts are made by
    #: the system administrator and linked by the security administrator (三员分立), never by the
    #: office's import; an expert without an account is never drawn, assigned or seated.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expert_profile",
    )
    name = models.CharField(_("姓名"), max_length=50)
    #: 证件号码: how the expert is recognised as a co-applicant or team member of an application.
    id_number = models.CharField(_("证件号码"), max_length=30, blank=True, db_index=True)
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
    publications = models.TextField(_("代表性成果"), blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ExpertStatus.choices, default=ExpertStatus.ACTIVE
    )
    #: Suspended or banned until this day (inclusive); empty for an indefinite measure.
    status_until = models.DateField(_("期限至"), null=True, blank=True)
    status_reason = models.CharField(_("状态原因"), max_length=300, blank=True)
    max_load = models.PositiveSmallIntegerField(_("每轮最多评审数"), default=20)
    pledge_signed_at = models.DateTimeField(_("签署诚信承诺时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("评审专家")
        verbose_name_plural = _("评审专家")
        constraints = [
            models.CheckConstraint(condition=Q(max_load__gte=1), name="expert_max_load_positive"),
            models.CheckConstraint(
                condition=Q(status=ExpertStatus.ACTIVE) | ~Q(status_reason=""),
                name="expert_measure_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AvailabilityWindow(models.Model):
    """A period in which the expert can review. An expert with no window is available at any time."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="availability")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["expert_id", "starts_on", "id"]
        verbose_name = _("可参评时段")
        verbose_name_plural = _("可参评时段")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="window_ordered")
        ]

    def __str__(self) -> str:
        return f"{self.expert} {self.starts_on}–{self.ends_on}"


class ExpertRelation(models.Model):
    """A relationship the expert declares (近亲属, 师生, 经济利益…) with a person or an organisation.

    A person is matched by 证件号码 when given, else by name (and workplace when given); an organisation
    by its record. Any application with that person in its team, or from that organisation, conflicts."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="relations")
    kind = models.CharField(_("关系类型"), max_length=20, choices=Relationship.choices)
    person_name = models.CharField(_("对方姓名"), max_length=50, blank=True)
    person_id_number = models.CharField(_("对方证件号码"), max_length=30, blank=True)
    person_organisation = models.CharField(_("对方工作单位"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("相关单位"),
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["expert_id", "id"]
        verbose_name = _("利益关系申报")
        verbose_name_plural = _("利益关系申报")
        constraints = [
            models.CheckConstraint(
                condition=~Q(person_name="") | ~Q(person_id_number="") | Q(organisation__isnull=False),
                name="relation_names_someone",
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} · {self.get_kind_display()}"


class Exclusion(models.Model):
    """申请回避: the applicant names an expert who should not review their application (name and
    workplace; applicants never see the pool). At most ``review.max_exclusions`` per application."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="exclusions"
    )
    name = models.CharField(_("回避专家姓名"), max_length=50)
    organisation_name = models.CharField(_("回避专家工作单位"), max_length=200, blank=True)
    reason = models.CharField(_("回避理由"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application_id", "id"]
        verbose_name = _("申请回避专家")
        verbose_name_plural = _("申请回避专家")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "name", "organisation_name"], name="exclusion_unique"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="exclusion_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} ✕ {self.name}"


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
    #: The review period: experts whose availability windows miss it are not drawn.
    starts_on = models.DateField(_("评审开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("评审截止日期"), null=True, blank=True)
    #: Reviewers per application (k); empty: the policy's ``review.min_remote_reviewers``.
    reviewers_per_application = models.PositiveSmallIntegerField(_("每项专家人数"), null=True, blank=True)
    assignment_mode = models.CharField(
        _("专家遴选方式"), max_length=10, choices=AssignmentMode.choices, default=AssignmentMode.MANUAL
    )
    released_at = models.DateTimeField(_("分配方案发布时间"), null=True, blank=True)

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
    accepted_at = models.DateTimeField(_("接受时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    #: The affinity the engine computed for the pair (empty for a manual assignment).
    affinity = models.FloatField(_("匹配度"), null=True, blank=True)
    plan = models.ForeignKey(
        "AssignmentPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    #: The declined assignment this one replaces.
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )

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
    basis = models.CharField(
        _("结论依据"), max_length=12, choices=ResultBasis.choices, default=ResultBasis.SCORES
    )
    #: The mean of the experts' calibrated scores (each expert's z-score mapped onto the round's scale).
    calibrated_score = models.DecimalField(
        _("校准后得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    #: Highest minus lowest submitted total; above the policy's threshold the application is disputed.
    spread = models.DecimalField(_("评分极差"), max_digits=6, decimal_places=2, null=True, blank=True)
    disagreement = models.BooleanField(_("评分分歧"), default=False)
    #: True when the highest and lowest totals were dropped (at least 5 scores).
    trimmed = models.BooleanField(_("去掉最高最低分"), default=False)
    votes = models.JSONField(_("表决结果"), default=dict, blank=True)

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


class AssignmentPlan(models.Model):
    """分配方案: the engine's proposal for a round (random draw or optimal matching), computed in the
    background, reviewed by the office and then released as assignments — or discarded. Every plan is
    kept with its seed and figures, so a draw can be reproduced and questioned."""

    round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="plans")
    mode = models.CharField(_("遴选方式"), max_length=10, choices=AssignmentMode.choices)
    seed = models.BigIntegerField(_("随机种子"), null=True, blank=True)
    fairness = models.BooleanField(_("兼顾最弱项目"), default=False)
    reviewers_per_application = models.PositiveSmallIntegerField(_("每项专家人数"))
    state = models.CharField(_("状态"), max_length=10, choices=PlanState.choices, default=PlanState.COMPUTING)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    stats = models.JSONField(_("统计"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["round_id", "-created_at", "-id"]
        verbose_name = _("专家分配方案")
        verbose_name_plural = _("专家分配方案")
        constraints = [
            models.CheckConstraint(
                condition=~Q(mode=AssignmentMode.RANDOM) | Q(seed__isnull=False), name="plan_random_has_seed"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[PlanState.RELEASED, PlanState.DISCARDED])
                | (Q(decided_by__isnull=False) & Q(decided_at__isnull=False)),
                name="plan_decided_has_who",
            ),
            models.UniqueConstraint(
                fields=["round"], condition=Q(state="released"), name="plan_one_released_per_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.get_mode_display()} #{self.pk}"


class PlannedPair(models.Model):
    plan = models.ForeignKey(AssignmentPlan, on_delete=models.CASCADE, related_name="pairs")
    application = models.ForeignKey("applications.Application", on_delete=models.PROTECT, related_name="+")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="+")
    affinity = models.FloatField(_("匹配度"))

    class Meta:
        ordering = ["plan_id", "application_id", "-affinity", "id"]
        verbose_name = _("方案中的专家")
        verbose_name_plural = _("方案中的专家")
        constraints = [
            models.UniqueConstraint(fields=["plan", "application", "expert"], name="planned_pair_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} · {self.application_id} · {self.expert_id}"


class ConflictFinding(models.Model):
    """One reason an expert may not review an application in a round (回避), found by the engine."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="conflicts")
    application = models.ForeignKey("applications.Application", on_delete=models.CASCADE, related_name="+")
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="conflicts")
    rule = models.CharField(_("回避规则"), max_length=20, choices=ConflictRule.choices)
    reason = models.CharField(_("回避理由"), max_length=500)
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round_id", "application_id", "expert_id", "rule"]
        verbose_name = _("回避情形")
        verbose_name_plural = _("回避情形")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "application", "expert", "rule"], name="conflict_finding_unique"
            )
        ]

    def __str__(self) -> str:
        return self.reason


class Panel(models.Model):
    """会议评审专家组: an odd number of experts (5–7 by policy) with a chair, for a meeting round."""

    round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="panels")
    name = models.CharField(_("专家组名称"), max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round_id", "id"]
        verbose_name = _("会议评审专家组")
        verbose_name_plural = _("会议评审专家组")
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="panel_name_unique")]

    def __str__(self) -> str:
        return self.name


class PanelMember(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="panel_seats")
    role = models.CharField(_("职责"), max_length=10, choices=PanelRole.choices, default=PanelRole.MEMBER)

    class Meta:
        ordering = ["panel_id", "role", "id"]
        verbose_name = _("专家组成员")
        verbose_name_plural = _("专家组成员")
        constraints = [
            models.UniqueConstraint(fields=["panel", "expert"], name="panel_member_unique"),
            models.UniqueConstraint(fields=["panel"], condition=Q(role="chair"), name="panel_one_chair"),
        ]

    def __str__(self) -> str:
        return f"{self.panel} · {self.expert}"


class Meeting(models.Model):
    """会议论证: a sitting of a panel — when, where, who attended, the minutes and the votes."""

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="meetings")
    held_at = models.DateTimeField(_("会议时间"))
    place = models.CharField(_("会议地点"), max_length=200)
    state = models.CharField(
        _("状态"), max_length=10, choices=MeetingState.choices, default=MeetingState.PLANNED
    )
    minutes = models.TextField(_("会议纪要"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_at", "id"]
        verbose_name = _("论证会议")
        verbose_name_plural = _("论证会议")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=MeetingState.HELD)
                | (~Q(minutes="") & Q(recorded_by__isnull=False) & Q(recorded_at__isnull=False)),
                name="meeting_held_has_minutes",
            )
        ]

    def __str__(self) -> str:
        return f"{self.panel} {self.held_at:%Y-%m-%d}"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("出席"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["meeting_id", "id"]
        verbose_name = _("出席情况")
        verbose_name_plural = _("出席情况")
        constraints = [models.UniqueConstraint(fields=["meeting", "expert"], name="attendance_unique")]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.expert_id} · {self.present}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    application = models.ForeignKey("applications.Application", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("上会原因"), max_length=20, choices=AgendaReason.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["meeting_id", "order", "id"]
        verbose_name = _("会议议程")
        verbose_name_plural = _("会议议程")
        constraints = [models.UniqueConstraint(fields=["meeting", "application"], name="agenda_item_unique")]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.application_id}"


class Vote(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="votes")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("表决意见"), max_length=16, choices=Recommendation.choices)
    comment = models.CharField(_("意见说明"), max_length=1000, blank=True)

    class Meta:
        ordering = ["item_id", "id"]
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        constraints = [models.UniqueConstraint(fields=["item", "expert"], name="vote_unique")]

    def __str__(self) -> str:
        return f"{self.item_id} · {self.expert_id} · {self.choice}"


class SiteVisit(models.Model):
    """现场考核: who went, when and where, what they found, their conclusion, with attachments."""

    round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="site_visits")
    application = models.ForeignKey("applications.Application", on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("考核日期"))
    place = models.CharField(_("考核地点"), max_length=200)
    experts = models.ManyToManyField(Expert, related_name="site_visits", verbose_name=_("考核专家"))
    findings = models.TextField(_("考核情况"))
    conclusion = models.CharField(_("考核结论"), max_length=16, choices=Recommendation.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round_id", "visited_on", "id"]
        verbose_name = _("现场考核")
        verbose_name_plural = _("现场考核")
        constraints = [
            models.UniqueConstraint(fields=["round", "application"], name="site_visit_unique"),
            models.CheckConstraint(condition=~Q(findings=""), name="site_visit_has_findings"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.application_id}"


def site_visit_path(instance, filename: str) -> str:
    return f"site_visits/{instance.visit_id}/{instance.sha256[:16]}"


class SiteVisitAttachment(models.Model):
    visit = models.ForeignKey(SiteVisit, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to=site_visit_path)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visit_id", "id"]
        verbose_name = _("考核附件")
        verbose_name_plural = _("考核附件")
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="site_visit_attachment_not_empty"),
            models.UniqueConstraint(fields=["visit", "sha256"], name="site_visit_attachment_unique"),
        ]

    def __str__(self) -> str:
        return self.name
