"""Template helpers of expert review: ``{% load review_tags %}``.

- ``value|score``                       a score with two places ("80.43"), "—" when empty
- ``value|yuan``                        an amount in yuan ("1,234,567.80")
- ``{% review_results application %}``  the closed-round results of an application as the signed-in
                                        user may see them, every round in order with its method,
                                        basis, scores (plain, trimmed, calibrated), spread and
                                        disagreement (for the application's own page; never the
                                        experts' names or single scores)
"""

from decimal import Decimal, InvalidOperation

from django import template

from techfund.review.scopes import visible_results
from techfund.review.services.aggregate import with_raw_means

register = template.Library()


@register.filter
def score(value) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(value):.2f}"
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


@register.filter
def yuan(value) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(value):,.2f}"
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


@register.inclusion_tag("review/_application_results.html", takes_context=True)
def review_results(context, application):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    results = []
    if application is not None and getattr(application, "pk", None) is not None and user is not None:
        results = with_raw_means(
            None,
            visible_results(user)
            .filter(application=application)
            .select_related("round__previous")
            .order_by("round__sequence", "round_id"),
        )
    return {"results": results}
