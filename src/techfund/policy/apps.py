from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "techfund.policy"
    label = "policy"
    verbose_name = _("城市政策配置")

    def ready(self) -> None:
        from techfund.core.enums import Role
        from techfund.core.home import register_link

        for role in (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT):
            register_link(role, "policy:active", _("政策配置"))
