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
