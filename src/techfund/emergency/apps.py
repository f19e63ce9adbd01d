from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergencyConfig(AppConfig):
    name = "techfund.emergency"
    label = "emergency"
    verbose_name = _("一事一议")

    def ready(self) -> None:
        from techfund.core.audit_actions import register_actions
        from techfund.emergency import home, rules  # noqa: F401 - rules.py defines the permissions
        from techfund.projects.panels import register_panel

        register_actions(
            {
                "emergency.request.submitted": _("提出一事一议申请"),
                "emergency.request.approved": _("领导小组审定同意一事一议项目"),
                "emergency.request.rejected": _("领导小组审定不同意一事一议申请"),
            }
        )
        home.register()
        register_panel("emergency/_project_panel.html", order=60)
