from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "techfund.calls"
    label = "calls"
    verbose_name = _("申报指南")

    def ready(self) -> None:
        from techfund.calls import home, rules  # noqa: F401 - rules.py defines the permissions
        from techfund.core.audit_actions import register_actions

        register_actions(
            {
                "call.created": _("起草申报指南"),
                "call.updated": _("修改申报指南"),
                "call.published": _("发布申报指南"),
                "call.closed": _("截止申报"),
                "call.cancelled": _("撤销申报指南"),
            }
        )
        home.register()
