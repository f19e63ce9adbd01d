"""定期调度: each time the office generates the periodic scheduling report for the leading group, the
file is kept as given (its SHA-256 recorded), so anyone who reads it later gets exactly what was
reported (全程留痕). The report itself is derived from the database and the ledger, never stored as
figures here.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from techfund.reports.enums import ReportFormat


class ReportRun(models.Model):
    fund_year = models.ForeignKey(
        "funds.FundYear", on_delete=models.PROTECT, related_name="report_runs", verbose_name=_("年度")
    )
    start = models.DateField(_("报告期起"))
    end = models.DateField(_("报告期止"))
    format = models.CharField(_("格式"), max_length=4, choices=ReportFormat.choices)
    filename = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("文件大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("文件内容"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("生成人")
    )
    generated_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        ordering = ["-generated_at", "-id"]
        verbose_name = _("定期调度报告")
        verbose_name_plural = _("定期调度报告")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="report_run_period_order"),
            models.CheckConstraint(
                condition=Q(format__in=ReportFormat.values), name="report_run_format_valid"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="report_run_not_empty"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="report_run_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.filename
