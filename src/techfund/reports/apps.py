from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "techfund.reports"
    label = "reports"
    verbose_name = _("定期调度报告")

    def ready(self) -> None:
        from techfund.core.audit_actions import register_actions
        from techfund.reports import home, rules  # noqa: F401 - rules.py defines the permissions

        register_actions(
            {
                "reports.run.generated": _("生成定期调度报告"),
                "reports.run.downloaded": _("下载定期调度报告"),
            }
        )
        home.register()
