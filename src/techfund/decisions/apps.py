from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "techfund.decisions"
    label = "decisions"
    verbose_name = _("立项建议、领导小组审定与公示")

    def ready(self) -> None:
        from techfund.core.audit_actions import register_actions
        from techfund.decisions import home, rules  # noqa: F401 - rules.py defines the permissions

        register_actions(
            {
                "decisions.batch.created": _("新建立项建议批次"),
                "decisions.batch.submitted": _("立项建议报领导小组"),
                "decisions.batch.decided": _("立项建议批次审定完毕"),
                "decisions.item.proposed": _("列入立项建议"),
                "decisions.item.removed": _("撤出立项建议"),
                "decisions.item.decided": _("领导小组审定项目"),
                "decisions.item.publicised": _("项目进入公示"),
                "decisions.item.withdrawn": _("异议成立，撤销立项"),
                "decisions.item.finalised": _("公示期满，正式立项"),
                "decisions.application.moved": _("立项审定环节变更申报状态"),
                "decisions.publicity.published": _("发布立项公示"),
                "decisions.publicity.ended": _("公示期满办结"),
                "decisions.objection.filed": _("提出公示异议"),
                "decisions.objection.upheld": _("异议成立"),
                "decisions.objection.dismissed": _("异议不成立"),
            }
        )
        home.register()
