"""后台任务 — heavy work (expert assignment at scale, large exports) run outside the request.

A job records who started it, what it is working on, how far it has got (``done`` of ``total``, with a
message a person can read) and how it ended. Pages poll it to show a progress bar. How a job is run —
in a thread of the web process (the default) or by an RQ worker on Redis — is ``techfund.core.jobs``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class Job(models.Model):
    kind = models.CharField(_("任务类型"), max_length=60)
    label = models.CharField(_("任务名称"), max_length=200)
    state = models.CharField(_("状态"), max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    total = models.PositiveIntegerField(_("总量"), default=0)
    message = models.CharField(_("进度说明"), max_length=300, blank=True)
    #: What the job works on, as "app_label.model:pk" (e.g. "review.assignmentplan:12").
    target = models.CharField(_("对象"), max_length=100, blank=True, db_index=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=["done", "failed"]) | Q(finished_at__isnull=False),
                name="job_finished_has_time",
            ),
            models.CheckConstraint(condition=~Q(state="failed") | ~Q(error=""), name="job_failed_has_error"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return min(99, int(self.done * 100 / self.total)) if self.total else 0
