from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreasuryConfig(AppConfig):
    name = "techfund.treasury"
    label = "treasury"
    verbose_name = _("国库直通车支付")

    def ready(self) -> None:
        from techfund.core.audit_actions import register_actions
        from techfund.projects.services.payments import grant_tranche_confirmed, grant_tranche_returned
        from techfund.treasury import home, rules  # noqa: F401 - rules.py defines the permissions
        from techfund.treasury.registry import Purpose, register

        register_actions(
            {
                "treasury.account.recorded": _("登记收款账户"),
                "treasury.account.verified": _("财政部门核验收款账户"),
                "treasury.account.rejected": _("收款账户核验未通过"),
                "treasury.instruction.created": _("生成支付指令"),
                "treasury.instruction.cancelled": _("撤销支付指令"),
                "treasury.instruction.confirmed": _("国库确认支付"),
                "treasury.instruction.returned": _("国库退回支付"),
                "treasury.batch.created": _("编制支付批次"),
                "treasury.batch.exported": _("导出国库支付文件"),
                "treasury.batch.imported": _("导入国库支付确认"),
                "treasury.batch.reconciled": _("支付批次对账完成"),
                "treasury.exported": _("导出直通车对账表"),
            }
        )
        # The grant path (projects' tranches) is paid through the treasury like every other mode.
        register(
            Purpose(
                "grant_tranche",
                _("科技项目资金（无偿资助）"),
                on_confirmed=grant_tranche_confirmed,
                on_returned=grant_tranche_returned,
            )
        )
        home.register()
