"""Template tags of the evaluation pages: ``{% load evaluation_tags %}``.

- ``{% evaluation_panel project as panel %}``  the project's evaluations as the signed-in user may
  see them, and the buttons the user's role may use (for ``evaluation/_project_panel.html``)
- ``code|part_label``     a part code (output, decision …) as its name (产出, 决策 …)
- ``value|normalize``     a number without a trailing tail (10 for 10.0000)
- ``code|grade_label``    a grade code as 优 / 良 / 中 / 差
"""

from django import template

from techfund.core.permissions import can
from techfund.evaluation.enums import PART_LABELS, ComprehensiveState, Grade, SelfEvaluationState
from techfund.evaluation.scopes import visible_comprehensive, visible_self_evaluations
from techfund.evaluation.services._common import show
from techfund.projects.enums import ProjectState

register = template.Library()


@register.simple_tag(takes_context=True)
def evaluation_panel(context, project) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not can(user, "evaluation.view_evaluation", project):
        return {"visible": False}
    ev = visible_self_evaluations(user).filter(project=project).order_by("-id").first()
    ce = visible_comprehensive(user).filter(project=project).first()
    state = project.state
    return {
        "visible": True,
        "self_evaluation": ev,
        "ce": ce,
        "may_self_evaluate": state == ProjectState.IN_PROGRESS
        and can(user, "evaluation.submit_self_evaluation", project),
        "may_accept": ev is not None
        and ev.state == SelfEvaluationState.SUBMITTED
        and can(user, "evaluation.accept_self_evaluation", ev),
        "may_propose": state == ProjectState.ACCEPTANCE
        and ev is not None
        and ev.state == SelfEvaluationState.ACCEPTED
        and (ce is None or ce.state == ComprehensiveState.RETURNED)
        and can(user, "evaluation.propose_comprehensive", project),
        "may_confirm": ce is not None
        and ce.state == ComprehensiveState.PROPOSED
        and can(user, "evaluation.complete_evaluation", ce),
    }


@register.filter
def part_label(code) -> str:
    return str(PART_LABELS.get(code, code))


@register.filter
def normalize(value) -> str:
    return show(value) if value not in (None, "") else "—"


@register.filter
def grade_label(code) -> str:
    return str(Grade(code).label) if code in Grade.values else (code or "—")


@register.filter(name="band_label")
def band_label_filter(code) -> str:
    from techfund.evaluation.display import band_label

    return band_label(code or "")


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)
