from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "techfund.review"
    label = "review"
    verbose_name = _("专家评审")

    def ready(self) -> None:
        from techfund.core.audit_actions import register_actions
        from techfund.review import home, rules  # noqa: F401 - rules.py defines the permissions

        register_actions(
            {
                "review.expert.registered": _("专家入库"),
                "review.expert.updated": _("修改专家信息"),
                "review.round.created": _("新建评审轮次"),
                "review.round.opened": _("开始评审"),
                "review.round.closed": _("结束评审并汇总结果"),
                "review.assignment.created": _("分配评审专家"),
                "review.assignment.removed": _("撤销评审任务"),
                "review.assignment.declined": _("专家回避/拒绝评审"),
                "review.score.submitted": _("专家提交评分"),
                "review.application.entered": _("进入专家评审"),
                "review.application.reviewed": _("专家评审完成"),
                "review.application.left": _("退出专家评审"),
            }
        )
        home.register()
        from techfund.review import views_pool

        views_pool.register_links()
