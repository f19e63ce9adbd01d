from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "techfund.awards"
    label = "awards"
    verbose_name = _("后补助与奖补")

    def ready(self) -> None:
        from techfund.awards import home, rules  # noqa: F401 - rules.py defines the permissions
        from techfund.awards.services.payments import PURPOSE, on_confirmed
        from techfund.core.audit_actions import register_actions
        from techfund.treasury.registry import Purpose, register

        register_actions(
            {
                "awards.diligence.recorded": _("登记决赛项目尽职调查"),
                "awards.prizes.applied": _("按比赛名次提出奖补建议"),
                "awards.prizes.exported": _("导出奖补名单"),
                "awards.verification.recorded": _("主管部门核验后补助成果与合规支出"),
                "awards.payment.instructed": _("生成后补助（奖补）支付指令"),
                "awards.payment.made": _("后补助（奖补）资金拨付"),
            }
        )
        register(Purpose(PURPOSE, _("后补助（奖补）"), on_confirmed=on_confirmed))
        home.register()
