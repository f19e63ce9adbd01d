"""Audit action codes and how they read. The trail stores codes; they are translated when shown,
so the same trail reads well in Chinese and in English.

Each app adds its own codes from its ``AppConfig.ready()``::

    from techfund.core.audit_actions import register_actions
    register_actions({"fund.framework.approved": _("审定年度框架")})

A code nobody registered still reads: ``label("x.y_z")`` falls back to ``"x · y z"``.
"""

from django.utils.translation import gettext_lazy as _

ACTIONS: dict[str, object] = {
    "auth.login": _("登录"),
    "auth.logout": _("退出登录"),
    "auth.login_failed": _("登录失败"),
    "auth.locked_out": _("账号锁定"),
    "user.created": _("创建账号"),
    "user.password_changed": _("修改密码"),
    "organisation.registered": _("登记单位"),
    "department.created": _("新建职能部门"),
    "role.granted": _("授予角色"),
    "role.revoked": _("撤销角色"),
    "audit.exported": _("导出留痕记录"),
    "audit.verified": _("校验留痕链"),
}


def register_actions(labels: dict[str, object]) -> None:
    ACTIONS.update(labels)


def label(code: str) -> str:
    """The readable name of an action code, translated into the active language."""
    known = ACTIONS.get(code)
    if known is not None:
        return str(known)
    return " · ".join(part.replace("_", " ") for part in (code or "").split(".") if part) or "—"


def choices() -> list[tuple[str, str]]:
    """(code, label) of every registered action, for filter pickers."""
    return sorted(((code, str(lbl)) for code, lbl in ACTIONS.items()), key=lambda c: c[0])


# ---- review pool: the expert pool and conflicts (回避) ----
ACTIONS.update(
    {
        "review.expert.suspended": _("暂停评审专家"),
        "review.expert.banned": _("禁入评审专家"),
        "review.expert.reinstated": _("恢复评审专家在库"),
        "review.expert.profile_updated": _("专家修改本人信息"),
        "review.expert.pledge_signed": _("专家签署诚信承诺书"),
        "review.expert.imported": _("批量导入评审专家"),
        "review.relation.declared": _("专家申报利益关系"),
        "review.relation.withdrawn": _("专家撤回利益关系申报"),
        "review.availability.added": _("登记专家可参评时段"),
        "review.availability.removed": _("删除专家可参评时段"),
        "review.exclusion.added": _("申请回避专家"),
        "review.exclusion.removed": _("撤回申请回避专家"),
        "review.conflicts.checked": _("回避检查"),
        "review.conflicts.exported": _("导出回避情况"),
    }
)


# ---- review scoring: results and their export ----
ACTIONS.update({"review.results.exported": _("导出评审结果")})


# ---- review plans: assignment plans, acceptance and replacement ----
ACTIONS.update(
    {
        "review.plan.created": _("生成专家分配方案"),
        "review.plan.computed": _("专家分配方案计算完成"),
        "review.plan.failed": _("专家分配方案计算失败"),
        "review.plan.released": _("发布专家分配方案"),
        "review.plan.discarded": _("作废专家分配方案"),
        "review.plan.exported": _("导出专家分配方案"),
        "review.assignment.accepted": _("专家接受评审任务"),
        "review.assignment.replaced": _("自动补选评审专家"),
    }
)


# ---- review meetings: 会议论证 and 现场考核 ----
ACTIONS.update(
    {
        "review.panel.created": _("组建会议论证专家组"),
        "review.panel.changed": _("调整专家组成员"),
        "review.meeting.scheduled": _("安排论证会议"),
        "review.meeting.cancelled": _("取消论证会议"),
        "review.meeting.recorded": _("录入论证会议结果"),
        "review.site_visit.recorded": _("录入现场考核"),
        "review.site_visit.attachment_added": _("补充现场考核附件"),
    }
)
