from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "techfund.budgets"
    label = "budgets"
    verbose_name = _("预算调剂与执行")
