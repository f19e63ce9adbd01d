"""Template tags of this stage: ``{% load sanctions_tags %}``.

- ``{% sanctions_panel project user as s %}``  what the project page's sanctions section shows the
  user: the project's orders and recovery orders in the user's scope, the money that may still be
  recovered, the policy's advice and the buttons the user's role may use (``None`` outside scope).
"""

from django import template
from django.utils import timezone

from techfund.core.errors import ServiceError
from techfund.core.permissions import can
from techfund.sanctions import services
from techfund.sanctions.enums import RecoveryState, SanctionKind, SanctionState
from techfund.sanctions.rules import may_confirm, may_decide
from techfund.sanctions.scopes import visible_recoveries, visible_sanctions, with_received

register = template.Library()


@register.simple_tag
def sanctions_panel(project, user):
    if user is None or not can(user, "sanctions.view", project):
        return None
    orders = list(
        visible_sanctions(user)
        .filter(project=project)
        .select_related("proposed_by", "decided_by")
        .order_by("-proposed_at", "-id")
    )
    recoveries = list(
        with_received(visible_recoveries(user).filter(project=project)).order_by("-issued_at", "-id")
    )
    today = timezone.localdate()
    for r in recoveries:
        r.overdue = r.state == RecoveryState.OPEN and r.deadline < today
        r.may_confirm = may_confirm(user, r)
    pending = next((o for o in orders if o.state == SanctionState.PROPOSED), None)
    may_propose = can(user, "sanctions.propose", project) and pending is None
    kinds = []
    if may_propose:
        for kind in SanctionKind.values:
            try:
                services.check_move(project, kind)
            except ServiceError:
                continue
            kinds.append(SanctionKind(kind))
    figures = services.project_figures(project)
    return {
        "orders": orders,
        "recoveries": recoveries,
        "figures": figures,
        "pending": pending,
        "may_decide": pending is not None and may_decide(user, pending),
        "kinds": kinds,
        "may_recover": can(user, "sanctions.issue_recovery", project) and figures.recoverable > 0,
        "advice": services.recovery_advice(project, figures),
    }
