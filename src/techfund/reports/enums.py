from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel 工作簿")
    PDF = "pdf", _("PDF 文档")


#: What each format is served as.
CONTENT_TYPES = {
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.PDF: "application/pdf",
}
