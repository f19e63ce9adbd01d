from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "techfund.monitoring"
    label = "monitoring"
    verbose_name = _("项目执行监管")
