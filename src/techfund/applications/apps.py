from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "techfund.applications"
    label = "applications"
    verbose_name = _("项目申报、部门初审与形式审查")
