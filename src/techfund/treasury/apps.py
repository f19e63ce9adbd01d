from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreasuryConfig(AppConfig):
    name = "techfund.treasury"
    label = "treasury"
    verbose_name = _("国库直通车支付")
