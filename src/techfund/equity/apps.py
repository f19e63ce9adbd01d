from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquityConfig(AppConfig):
    name = "techfund.equity"
    label = "equity"
    verbose_name = _("股权投资")

    def ready(self) -> None:
        from techfund.core.audit_actions import register_actions
        from techfund.equity import home, rules  # noqa: F401 - rules.py defines the permissions
        from techfund.equity.services.stages import PURPOSE, stage_paid, stage_returned
        from techfund.treasury.registry import Purpose, register

        register(
            Purpose(PURPOSE, _("股权投资分阶段出资"), on_confirmed=stage_paid, on_returned=stage_returned)
        )
        register_actions(
            {
                "equity.investment.registered": _("登记股权投资"),
                "equity.investment.converted": _("先投后股转股"),
                "equity.stage.paid": _("股权投资出资已由国库支付"),
                "equity.stage.returned": _("股权投资出资被国库退回"),
                "equity.write_off.proposed": _("提出先投后股核销建议"),
                "equity.write_off.confirmed": _("财政部门确认核销"),
                "equity.write_off.rejected": _("财政部门不同意核销"),
                "equity.exit.proposed": _("提出股权退出建议"),
                "equity.exit.confirmed": _("财政部门确认退出所得到账"),
                "equity.exit.rejected": _("财政部门不同意退出"),
                "equity.exported": _("导出股权投资组合"),
            }
        )
        home.register()
