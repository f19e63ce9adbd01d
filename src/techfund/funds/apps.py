from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "techfund.funds"
    label = "funds"
    verbose_name = _("年度资金与框架配置")
