from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from techfund.core import home as registry
from techfund.core.enums import Role


@login_required
def home(request):
    """One section per role the user holds: that role's pending work and its links."""
    user = request.user
    pending = registry.pending_for(user)
    links = registry.links_by_role(user)
    scopes: dict[str, list[str]] = {}
    for grant in user.active_grants():
        scope = grant.organisation or grant.department
        if scope is not None:
            scopes.setdefault(grant.role, []).append(str(scope))
    sections = [
        {
            "role": role,
            "label": role.label,
            "scopes": scopes.get(role, []),
            "pending": pending.get(role, []),
            "links": registry.reversible(links.get(role, [])),
        }
        for role in Role
        if role in pending
    ]
    return render(request, "core/home.html", {"sections": sections})
