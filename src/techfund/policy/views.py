"""The policy profile pages: the active profile of a year (or one version), with its versions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from techfund.core.errors import NotAllowed, ServiceError
from techfund.core.permissions import can
from techfund.policy import display
from techfund.policy.enums import EstablishmentMode, SupportMode
from techfund.policy.forms import LoadForm
from techfund.policy.loader import load_text
from techfund.policy.models import FundSourceType, PolicyProfile, ProfileDepartment
from techfund.policy.services import active_profile


def _require_viewer(request) -> None:
    if not can(request.user, "policy.view"):
        raise Http404


def _related():
    return (
        Prefetch("department_links", queryset=ProfileDepartment.objects.select_related("department")),
        "focus_areas",
        Prefetch("source_types", queryset=FundSourceType.objects.select_related("department")),
    )


def with_related(qs):
    """A profile queryset with everything the page and the API show, in a fixed number of queries."""
    return qs.select_related("loaded_by").prefetch_related(*_related())


def fetch_related(profile: PolicyProfile | None) -> PolicyProfile | None:
    """The same for a profile already in hand (three queries, whatever the size of the profile)."""
    if profile is not None:
        prefetch_related_objects([profile], *_related())
    return profile


def _year(request) -> int | None:
    try:
        return int(request.GET["year"])
    except (KeyError, ValueError):
        return None


@login_required
def active(request):
    _require_viewer(request)
    return _render(request, fetch_related(active_profile(_year(request))))


@login_required
def detail(request, pk: int):
    _require_viewer(request)
    profile = get_object_or_404(with_related(PolicyProfile.objects.all()), pk=pk)
    return _render(request, profile)


@login_required
def source(request, pk: int):
    """The exact file a version was loaded from, to edit and load again as the next version."""
    _require_viewer(request)
    profile = get_object_or_404(PolicyProfile.objects.only("code", "year", "version", "source_text"), pk=pk)
    response = HttpResponse(profile.source_text, content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{profile.code}-{profile.year}-v{profile.version}.yaml"'
    )
    return response


@login_required
def load(request):
    """Load an edited policy file as a new version (the office; errors name the line and field)."""
    _require_viewer(request)
    if not can(request.user, "policy.load"):
        raise NotAllowed("policy.load")
    form = LoadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        name, text = form.cleaned_data["file"]
        try:
            profile = load_text(text, actor=request.user, source_name=name, year=form.cleaned_data["year"])
        except ServiceError as exc:
            errors = [str(exc.message)] + [str(m) for found in exc.errors.values() for m in found]
        else:
            if profile.was_created:
                messages.success(
                    request,
                    _("已载入第%(version)d版，并设为%(year)d年度的生效配置。")
                    % {"version": profile.version, "year": profile.year},
                )
            else:
                messages.info(request, _("内容与生效版本相同，未产生新版本。"))
            return redirect("policy:detail", pk=profile.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "policy/load.html", {"form": form, "errors": errors}, status=status)


def _render(request, profile):
    versions = PolicyProfile.objects.defer("source_text", "rules").order_by("-year", "code", "-version")
    context = {"profile": profile, "versions": versions, "can_load": can(request.user, "policy.load")}
    if profile is not None:
        establishment = dict(EstablishmentMode.choices)
        support = dict(SupportMode.choices)
        context.update(
            {
                "departments": [link.department for link in profile.department_links.all()],
                "focus_areas": [
                    (area, "、".join(str(establishment.get(m, m)) for m in area.establishment_modes))
                    for area in profile.focus_areas.all()
                ],
                "source_types": profile.source_types.all(),
                "establishment_modes": [establishment.get(m, m) for m in profile.establishment_modes],
                "support_modes": [support.get(m, m) for m in profile.support_modes],
                "min_scale": display.money(profile.min_annual_scale)
                if profile.min_annual_scale is not None
                else "",
                "min_scale_note": display.field_note(profile, "min_annual_scale"),
                "equity_share": display.percent(profile.equity_pilot_share)
                if profile.equity_pilot_share is not None
                else "",
                "equity_share_note": display.field_note(profile, "equity_pilot_share"),
                "sections": display.rule_sections(profile.rules),
            }
        )
    return render(request, "policy/profile.html", context)
