from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "techfund.decisions"
    label = "decisions"
    verbose_name = _("立项建议、领导小组审定与公示")
