from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "techfund.funds"
    label = "funds"
    verbose_name = _("年度资金与框架配置")

    def ready(self) -> None:
        from techfund.core.audit_actions import register_actions
        from techfund.funds import home, rules  # noqa: F401 - rules.py defines the permissions

        register_actions(
            {
                "fund.year.opened": _("设立年度资金"),
                "fund.contribution.recorded": _("登记资金入池"),
                "fund.contribution.voided": _("冲销入池资金"),
                "fund.framework.proposed": _("提出框架配置"),
                "fund.framework.updated": _("修改框架配置"),
                "fund.framework.submitted": _("框架配置报领导小组"),
                "fund.framework.approved": _("审定框架配置"),
                "fund.framework.returned": _("退回框架配置"),
            }
        )
        home.register()
