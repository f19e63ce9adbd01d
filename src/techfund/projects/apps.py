from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "techfund.projects"
    label = "projects"
    verbose_name = _("预算安排、任务书与直通车拨付")

    def ready(self) -> None:
        from techfund.core.audit_actions import register_actions
        from techfund.projects import home, rules  # noqa: F401 - rules.py defines the permissions

        register_actions(
            {
                "projects.project.arranged": _("财政部门安排项目预算"),
                "projects.project.created_emergency": _("一事一议项目创建"),
                "projects.project.statutory_approved": _("确认预算已按法定程序批准"),
                "projects.project.started": _("任务书签订，项目开始执行"),
                "projects.project.period_set": _("任务书确定项目起止日期"),
                "projects.contract.generated": _("生成任务书"),
                "projects.contract.signed": _("签署任务书"),
                "projects.payment.made": _("直通车拨付"),
                "projects.exported": _("导出项目清单"),
            }
        )
        home.register()
