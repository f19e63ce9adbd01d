from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "techfund.core"
    label = "core"
    verbose_name = _("基础：人员、机构、权限、资金账簿与留痕")
