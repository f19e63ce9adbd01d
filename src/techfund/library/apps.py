from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _application_saved(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        from techfund.library.search import schedule_index

        schedule_index(instance.pk)


def _team_member_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw and instance.application_id:
        from techfund.library.search import schedule_index

        schedule_index(instance.application_id)


def _organisation_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if not raw and not created:
        from techfund.library.search import schedule_organisation_reindex

        schedule_organisation_reindex(instance.pk)


class LibraryConfig(AppConfig):
    name = "techfund.library"
    label = "library"
    verbose_name = _("项目库")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from techfund.core.audit_actions import register_actions
        from techfund.core.home import register_link
        from techfund.library import rules  # defines the permissions

        register_actions({"library.exported": _("导出项目库查询结果")})
        for role in rules.ROLES:  # office, leading group, finance, auditor, departments, applicants
            register_link(role, "library:list", _("项目库"))

        # The search index is derived data, not business state, so keeping it fresh from signals is
        # acceptable here (only services change applications; they may also call
        # ``index_application`` themselves). Whatever code saves an application or its team, its
        # row is rebuilt from the committed data after the commit (and an organisation's saved name
        # re-indexes its applications); a rolled-back save indexes nothing.
        post_save.connect(
            _application_saved, sender="applications.Application", dispatch_uid="library_index_application"
        )
        post_save.connect(
            _team_member_changed, sender="applications.TeamMember", dispatch_uid="library_index_team_saved"
        )
        post_delete.connect(
            _team_member_changed, sender="applications.TeamMember", dispatch_uid="library_index_team_deleted"
        )
        post_save.connect(
            _organisation_saved, sender="core.Organisation", dispatch_uid="library_index_organisation"
        )
