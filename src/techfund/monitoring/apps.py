from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "techfund.monitoring"
    label = "monitoring"
    verbose_name = _("项目执行监管")

    def ready(self) -> None:
        from techfund.core.audit_actions import register_actions
        from techfund.monitoring import home, rules  # noqa: F401 - rules.py defines the permissions
        from techfund.projects.panels import register_panel

        register_actions(
            {
                "monitoring.report.submitted": _("报送项目进展报告"),
                "monitoring.report.accepted": _("进展报告审核通过"),
                "monitoring.report.returned": _("退回进展报告"),
                "monitoring.rectification.issued": _("下达整改通知"),
                "monitoring.rectification.responded": _("报送整改情况"),
                "monitoring.rectification.closed": _("整改核验通过，销号"),
                "monitoring.rectification.rejected": _("整改不到位，重新整改"),
                "monitoring.escalation.raised": _("向领导小组办公室报告重大问题"),
                "monitoring.escalation.handled": _("办公室处理重大问题"),
                "monitoring.overdue.exported": _("导出项目执行逾期清单"),
            }
        )
        register_panel("monitoring/_project_panel.html", order=30)
        home.register()
