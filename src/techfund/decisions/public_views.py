"""The public pages of publicity (公示): no login. They show what the publicity notice shows —
project title, implementing unit, amount, support mode and focus area — and nothing personal, and
take objections (name, contact, reason) through a CSRF-protected form.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from techfund.core import ratelimit
from techfund.core.errors import ServiceError
from techfund.decisions import services
from techfund.decisions.enums import ItemState, PublicityState
from techfund.decisions.forms import ObjectionForm
from techfund.decisions.models import ProposalItem, Publicity

SESSION_KEY = "decisions_objection_filed"


def _publicities():
    return Publicity.objects.select_related("fund_year")


def publicity_list(request):
    items = ProposalItem.objects.select_related(
        "application", "implementing_organisation", "focus_area"
    ).order_by("focus_area__order", "review_rank", "id")
    qs = _publicities().prefetch_related(Prefetch("items", queryset=items)).order_by("-starts_on", "-number")
    today = timezone.localdate()
    rows = list(qs)
    return render(
        request,
        "decisions/public/publicity_list.html",
        {
            "open": [p for p in rows if p.state == PublicityState.OPEN],
            "ended": [p for p in rows if p.state == PublicityState.ENDED],
            "today": today,
        },
    )


def publicity_detail(request, pk: int):
    p = get_object_or_404(_publicities(), pk=pk)
    today = timezone.localdate()
    return render(
        request,
        "decisions/public/publicity_detail.html",
        {
            "publicity": p,
            "items": list(services.publicity_items(p)),
            "accepting": p.state == PublicityState.OPEN and today <= p.ends_on,
        },
    )


@require_http_methods(["GET", "POST"])
def objection_new(request, pk: int):
    p = get_object_or_404(_publicities(), pk=pk)
    today = timezone.localdate()
    accepting = p.state == PublicityState.OPEN and today <= p.ends_on
    items = list(services.publicity_items(p).filter(state=ItemState.IN_PUBLICITY))
    initial = {"item": request.GET.get("item", "")}
    form = ObjectionForm(request.POST if request.method == "POST" else None, items=items, initial=initial)
    if request.method == "POST" and not ratelimit.allow(request, "objection"):
        form.is_valid()
        form.add_error(None, _("提交过于频繁，请稍后再试。"))
        return render(
            request,
            "decisions/public/objection_form.html",
            {"publicity": p, "form": form, "accepting": accepting, "no_items": not items},
            status=429,
        )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            objection = services.file_objection(
                p, item=d["item"], name=d["name"], contact=d["contact"], reason=d["reason"]
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            request.session[SESSION_KEY] = objection.pk
            return redirect(reverse("public_publicity:objection_done", args=[p.pk]))
    return render(
        request,
        "decisions/public/objection_form.html",
        {"publicity": p, "form": form, "accepting": accepting, "no_items": not items},
    )


def objection_done(request, pk: int):
    p = get_object_or_404(_publicities(), pk=pk)
    number = request.session.get(SESSION_KEY)
    if number is None:
        return redirect(reverse("public_publicity:publicity_detail", args=[p.pk]))
    return render(
        request,
        "decisions/public/objection_done.html",
        {"publicity": p, "number": number, "message": _("您的异议已收到。")},
    )
