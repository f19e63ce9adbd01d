from django import template

from techfund.emergency.scopes import visible_requests

register = template.Library()


@register.simple_tag
def emergency_request_for(project, user):
    """The 一事一议 request behind ``project`` if ``user`` may see it (no query for other projects)."""
    if project is None or not getattr(project, "emergency", False) or user is None:
        return None
    return (
        visible_requests(user)
        .select_related("decided_by", "submitted_by")
        .filter(project_id=project.pk)
        .first()
    )
