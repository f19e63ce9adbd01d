from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "techfund.applications"
    label = "applications"
    verbose_name = _("项目申报、部门初审与形式审查")

    def ready(self) -> None:
        from techfund.applications import home, rules  # noqa: F401 - rules.py defines the permissions
        from techfund.core.audit_actions import register_actions

        register_actions(
            {
                "application.started": _("开始填报申报书"),
                "application.draft_saved": _("保存申报书"),
                "application.attachment_added": _("上传附件"),
                "application.attachment_removed": _("删除附件"),
                "application.submitted": _("提交申报"),
                "application.resubmitted": _("修改后重新提交申报"),
                "application.withdrawn": _("撤回申报"),
                "application.recommended": _("部门初审：推荐"),
                "application.returned": _("部门初审：退回修改"),
                "application.dept_rejected": _("部门初审：不予推荐"),
                "application.forwarded": _("部门报送办公室"),
                "application.batch_forwarded": _("部门分批报送"),
                "application.formal_passed": _("形式审查通过"),
                "application.formal_failed": _("形式审查未通过"),
            }
        )
        home.register()
