from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "techfund.awards"
    label = "awards"
    verbose_name = _("后补助与奖补")
