from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskpoolConfig(AppConfig):
    name = "techfund.riskpool"
    label = "riskpool"
    verbose_name = _("风险补偿")
