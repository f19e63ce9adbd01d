from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "techfund.reports"
    label = "reports"
    verbose_name = _("定期调度报告")
