from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "techfund.subsidies"
    label = "subsidies"
    verbose_name = _("贷款贴息")
