from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "techfund.subsidies"
    label = "subsidies"
    verbose_name = _("贷款贴息")

    def ready(self) -> None:
        from techfund.core.audit_actions import register_actions
        from techfund.projects.panels import register_panel
        from techfund.subsidies import home, rules  # noqa: F401 - rules.py defines the permissions
        from techfund.subsidies.services import claims
        from techfund.treasury.registry import Purpose, register

        register(
            Purpose(
                claims.PURPOSE,
                _("贷款贴息"),
                on_confirmed=claims.on_confirmed,
                on_returned=claims.on_returned,
            )
        )
        register_actions(
            {
                "subsidies.rate.recorded": _("登记参考利率"),
                "subsidies.rate.corrected": _("更正参考利率"),
                "subsidies.loan.registered": _("登记贴息贷款"),
                "subsidies.drawdown.recorded": _("登记贷款放款"),
                "subsidies.repayment.recorded": _("登记归还贷款本金"),
                "subsidies.interest.recorded": _("登记付息凭证"),
                "subsidies.claim.filed": _("填报贴息申请"),
                "subsidies.claim.submitted": _("提交贴息申请"),
                "subsidies.claim.verified": _("主管部门审核通过贴息申请"),
                "subsidies.claim.returned": _("主管部门退回贴息申请"),
                "subsidies.claim.approved": _("财政部门审批通过贴息申请"),
                "subsidies.claim.refused": _("财政部门退回贴息申请"),
                "subsidies.claim.instructed": _("下达贷款贴息国库支付指令"),
                "subsidies.claim.paid": _("贷款贴息已拨付"),
                "subsidies.claim.payment_returned": _("贷款贴息支付被退回"),
                "subsidies.exported": _("导出贷款贴息申请"),
            }
        )
        register_panel("subsidies/_project_panel.html", order=35)
        home.register()
