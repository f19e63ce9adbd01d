from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "techfund.evaluation"
    label = "evaluation"
    verbose_name = _("验收与绩效评价")
