from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquityConfig(AppConfig):
    name = "techfund.equity"
    label = "equity"
    verbose_name = _("股权投资")
