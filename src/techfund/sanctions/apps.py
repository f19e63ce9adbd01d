from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SanctionsConfig(AppConfig):
    name = "techfund.sanctions"
    label = "sanctions"
    verbose_name = _("暂停拨款、终止项目与追回资金")
