from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "techfund.core"
    label = "core"
    verbose_name = _("基础：人员、机构、权限、资金账簿与留痕")

    def ready(self) -> None:
        from techfund.core import signals  # noqa: F401  (connects the login audit receivers)
        from techfund.core.enums import Role
        from techfund.core.home import register_link

        # 三员分立: each administrator sees only the pages of their own duty.
        register_link(Role.SYSADMIN, "user_list", _("账号管理"))
        register_link(Role.SYSADMIN, "organisation_list", _("单位管理"))
        register_link(Role.SYSADMIN, "department_list", _("职能部门"))
        register_link(Role.SECADMIN, "grant_list", _("角色授权"))
        register_link(Role.AUDITADMIN, "audit_list", _("留痕审计"))
        register_link(Role.AUDITOR, "audit_list", _("留痕审计"))
        register_link(Role.APPLICANT, "organisation_list", _("本单位信息"))
        for role in (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT):
            register_link(role, "organisation_list", _("单位名录"))
