from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "techfund.policy"
    label = "policy"
    verbose_name = _("城市政策配置")
