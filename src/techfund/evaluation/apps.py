from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "techfund.evaluation"
    label = "evaluation"
    verbose_name = _("验收与绩效评价")

    def ready(self) -> None:
        from techfund.core.audit_actions import register_actions
        from techfund.evaluation import home, rules  # noqa: F401 - rules.py defines the permissions
        from techfund.projects.panels import register_panel

        register_actions(
            {
                "evaluation.self_evaluation.submitted": _("提交单位自评"),
                "evaluation.self_evaluation.accepted": _("受理单位自评"),
                "evaluation.self_evaluation.returned": _("退回单位自评"),
                "evaluation.project.submitted_for_acceptance": _("项目提交自评，进入验收评价"),
                "evaluation.project.returned_to_progress": _("自评退回，项目恢复执行"),
                "evaluation.project.completed": _("综合绩效评价确认，项目验收完成"),
                "evaluation.comprehensive.proposed": _("提出综合绩效评价"),
                "evaluation.comprehensive.reproposed": _("修改后重新提出综合绩效评价"),
                "evaluation.comprehensive.confirmed": _("财政部门确认综合绩效评价"),
                "evaluation.comprehensive.returned": _("财政部门退回综合绩效评价"),
                "evaluation.next_year.proposed": _("提出下一年度框架建议"),
                "evaluation.next_year.adjusted": _("调整下一年度框架建议"),
                "evaluation.next_year.submitted": _("下一年度框架建议报领导小组"),
                "evaluation.grades.exported": _("导出绩效评价结果"),
                "evaluation.grades.summary_exported": _("导出绩效评价结果汇总"),
            }
        )
        home.register()
        register_panel("evaluation/_project_panel.html", order=50)
