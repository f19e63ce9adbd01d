from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SanctionsConfig(AppConfig):
    name = "techfund.sanctions"
    label = "sanctions"
    verbose_name = _("暂停拨款、终止项目与追回资金")

    def ready(self) -> None:
        from techfund.core.audit_actions import register_actions
        from techfund.projects.panels import register_panel
        from techfund.sanctions import home, rules  # noqa: F401 - rules.py defines the permissions

        register_actions(
            {
                "sanctions.order.proposed": _("提出暂停拨款、解除暂停或终止项目建议"),
                "sanctions.order.concurred": _("财政部门会签同意，处置生效"),
                "sanctions.order.rejected": _("财政部门会签不同意"),
                "sanctions.project.suspended": _("项目暂停拨款"),
                "sanctions.project.resumed": _("解除暂停，项目恢复执行"),
                "sanctions.project.terminated": _("终止项目执行"),
                "sanctions.recovery.issued": _("拟定追回通知"),
                "sanctions.recovery.confirmed": _("财政部门确认，追回通知下达"),
                "sanctions.recovery.rejected": _("财政部门不同意追回通知"),
                "sanctions.recovery.settled": _("追回资金全额缴回"),
                "sanctions.receipt.recorded": _("登记追回资金缴回"),
                "sanctions.exported": _("导出暂停拨款、终止与追回记录"),
            }
        )
        register_panel("sanctions/_project_panel.html", order=40)
        home.register()
