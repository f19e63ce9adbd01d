from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskpoolConfig(AppConfig):
    name = "techfund.riskpool"
    label = "riskpool"
    verbose_name = _("风险补偿")

    def ready(self) -> None:
        from techfund.core.audit_actions import register_actions
        from techfund.riskpool import home, rules  # noqa: F401 - rules.py defines the permissions
        from techfund.riskpool.services import claims
        from techfund.treasury.registry import Purpose, register

        register(
            Purpose(
                claims.PURPOSE,
                _("风险补偿代偿"),
                on_confirmed=claims.on_confirmed,
                on_returned=claims.on_returned,
            )
        )
        register_actions(
            {
                "riskpool.bank.registered": _("登记合作银行"),
                "riskpool.pool.opened": _("设立风险补偿资金池"),
                "riskpool.pool.fund": _("风险补偿资金池注资"),
                "riskpool.pool.top_up": _("风险补偿资金池追加注资"),
                "riskpool.pool.return": _("风险补偿资金池年末结余退回"),
                "riskpool.loan.registered": _("登记风险补偿备案贷款"),
                "riskpool.loan.filed": _("登记贷款月度备案"),
                "riskpool.loan.repaid": _("备案贷款已结清"),
                "riskpool.claim.submitted": _("登记合作银行代偿申请"),
                "riskpool.claim.reviewed": _("管理机构审核代偿申请"),
                "riskpool.claim.approved": _("主管部门审批同意代偿"),
                "riskpool.claim.refused": _("代偿申请不予补偿"),
                "riskpool.claim.instructed": _("下达代偿国库支付指令"),
                "riskpool.claim.paid": _("代偿资金已拨付"),
                "riskpool.claim.returned": _("代偿支付指令被国库退回"),
                "riskpool.recovery.recorded": _("登记银行追偿回收，退回资金池"),
                "riskpool.exported": _("导出风险补偿记录"),
            }
        )
        home.register()
