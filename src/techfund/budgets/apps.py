from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "techfund.budgets"
    label = "budgets"
    verbose_name = _("预算调剂与执行")

    def ready(self) -> None:
        from techfund.budgets import rules  # noqa: F401 - rules.py defines the permissions
        from techfund.core.audit_actions import register_actions
        from techfund.projects.panels import register_panel

        register_actions(
            {
                "budgets.budget.opened": _("建立项目预算"),
                "budgets.adjustment.recorded": _("承担单位自主调剂预算（即时生效）"),
                "budgets.adjustment.requested": _("提出预算调剂申请，待主管部门审批"),
                "budgets.adjustment.approved": _("主管部门批准预算调剂"),
                "budgets.adjustment.rejected": _("主管部门不同意预算调剂"),
                "budgets.expenditure.recorded": _("登记项目支出"),
                "budgets.expenditure.imported": _("导入项目支出明细"),
                "budgets.rates.exported": _("导出资金到位率与预算执行率"),
            }
        )
        register_panel("budgets/_project_panel.html", order=35)
