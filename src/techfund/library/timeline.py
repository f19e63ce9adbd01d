"""The timeline of one application (责任可追溯): who did what, when and why — the audit events about
the application and its related records, oldest first, in one query.

Related records: the department's pre-screens, the office's formal checks and, for government
readers only, the proposal items (``scopes.sees_internal``). Applicants also do not see events
of the expert review (``review.*``) recorded against the application: experts stay anonymous to them.
"""

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from techfund.applications.models import Application, FormalCheck, Prescreen
from techfund.core.models import AuditEvent
from techfund.core.services.audit import trail_for
from techfund.decisions.models import ProposalItem
from techfund.library.scopes import sees_internal

#: Actions an applicant does not see on its own application's timeline.
HIDDEN_FROM_APPLICANTS = ("review.",)

#: The kind of record each event is about, by target type.
RECORD_LABELS = {
    Application._meta.label_lower: _("项目申报"),
    Prescreen._meta.label_lower: _("部门初审"),
    FormalCheck._meta.label_lower: _("形式审查"),
    ProposalItem._meta.label_lower: _("立项建议与审定"),
}


def _ids_of(qs) -> QuerySet:
    """The primary keys of ``qs`` as text (``AuditEvent.target_id`` is text), for a subquery."""
    return qs.annotate(target_key=Cast("pk", output_field=CharField())).values("target_key")


def related_records(application: Application, *, internal: bool) -> list[tuple[type, QuerySet]]:
    related = [
        (Prescreen, Prescreen.objects.filter(application=application)),
        (FormalCheck, FormalCheck.objects.filter(application=application)),
    ]
    if internal:
        related.append((ProposalItem, ProposalItem.objects.filter(application=application)))
    return related


def timeline_for(application: Application, user) -> QuerySet[AuditEvent]:
    """The events about ``application`` and its related records that ``user`` may read, by ``seq``.

    The caller has already checked that ``user`` sees the application.
    """
    internal = sees_internal(user)
    q = Q()
    for model, qs in related_records(application, internal=internal):
        q |= Q(target_type=model._meta.label_lower, target_id__in=_ids_of(qs))
    events = trail_for(application) | AuditEvent.objects.filter(q)
    if not internal:
        for prefix in HIDDEN_FROM_APPLICANTS:
            events = events.exclude(action__startswith=prefix)
    return events.select_related("actor").order_by("seq")


def record_label(event: AuditEvent) -> str:
    label = RECORD_LABELS.get(event.target_type)
    return str(label) if label is not None else event.target_type


__all__ = ["timeline_for", "record_label", "RECORD_LABELS"]
