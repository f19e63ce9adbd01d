"""全程留痕 — the append-only, hash-chained audit trail.

Each event carries the hash of the one before it and its own hash over a canonical serialisation
(see ``techfund.core.services.audit``). Events are written only by services, inside the transaction
of the change they record. The model refuses update and delete; database triggers (migration 0002)
refuse them as well, so only someone who disables the triggers can tamper — and ``audit_verify``
then names the first broken link.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    def delete(self):
        raise AppendOnlyError("audit events are append-only")

    _raw_delete = delete


class AuditEvent(models.Model):
    seq = models.BigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
        db_constraint=False,
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150)
    role = models.CharField(_("操作身份"), max_length=20, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=64, db_index=True)
    target_id = models.CharField(_("对象编号"), max_length=64, db_index=True)
    target_repr = models.CharField(_("对象"), max_length=300, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    data = models.JSONField(_("参数"), null=True, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    algorithm = models.CharField(_("摘要算法"), max_length=10)
    prev_hash = models.CharField(_("上一条摘要"), max_length=64)
    hash = models.CharField(_("本条摘要"), max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("留痕记录")
        verbose_name_plural = _("留痕记录")
        indexes = [models.Index(fields=["target_type", "target_id", "seq"], name="audit_target_idx")]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")


class AuditHead(models.Model):
    """One row: the last sequence number and hash. Locked to append, so the chain never forks."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    # HMAC of (seq, hash) under a key the database does not hold (settings.AUDIT_SEAL_KEY): someone who
    # rewrites events, recomputes every hash and moves the head still cannot forge this seal.
    seal = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_singleton")]

    def __str__(self) -> str:
        return f"head #{self.seq}"
