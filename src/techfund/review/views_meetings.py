"""Web pages of meeting review (会议论证) and site visits (现场考核). Thin, like ``review.views``: pages
read through the scopes and act through ``services.meetings`` / ``services.site_visits``.

- The office: a meeting round's page (panels with their chair, meetings with their agenda), forming
  and changing panels, scheduling, recording (a grid of members × agenda items, confirmed as final),
  cancelling; the minutes as a PDF for printing and signature; a site-visit round's page (the selected
  applications and their visits), the visit form with attachments.
- The fund's readers read all of it; only the office and auditors download a visit's files.
- An expert: the meetings of the panels they sit on (the agenda, the applications' content; after the
  meeting is recorded the tallies and their own votes — never another member's vote), and the visits
  they made. Anything else answers 404; departments and applicants see none of this (they see results).
"""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from techfund.applications.enums import ApplicationState
from techfund.applications.models import Application
from techfund.core import pdf
from techfund.core.errors import ServiceError
from techfund.core.forms import ServiceForm
from techfund.core.permissions import can
from techfund.core.services.audit import trail_for
from techfund.core.views.helpers import require_can, run_service
from techfund.review.enums import ExpertStatus, MeetingState, Recommendation, ReviewMethod, RoundState
from techfund.review.models import (
    AgendaItem,
    Assignment,
    Expert,
    Meeting,
    Panel,
    ReviewRound,
    RoundResult,
    SiteVisit,
    Vote,
)
from techfund.review.scopes import (
    HOLDING,
    expert_id_of,
    reads_everything,
    visible_meetings,
    visible_panels,
    visible_rounds,
    visible_site_visit_attachments,
    visible_site_visits,
)
from techfund.review.services import meetings, site_visits
from techfund.review.transitions import ASSIGNABLE
from techfund.review.views import application_content

# ---------------------------------------------------------------- forms


class PanelForm(ServiceForm):
    name = forms.CharField(
        label=gettext_lazy("专家组名称"),
        max_length=100,
        error_messages={"required": gettext_lazy("请填写专家组名称。")},
    )
    members = forms.MultipleChoiceField(
        label=gettext_lazy("专家组成员"), required=False, widget=forms.CheckboxSelectMultiple
    )
    chair = forms.ChoiceField(label=gettext_lazy("组长"), required=False)
    reason = forms.CharField(label=gettext_lazy("调整理由"), max_length=300, required=False)

    def __init__(self, *args, experts, rules, panel=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (
                str(e.pk),
                f"{e.name}（{e.organisation_name or (e.organisation.name if e.organisation else '—')}"
                f"{' · ' + e.title if e.title else ''}）",
            )
            for e in experts
        ]
        self.fields["members"].choices = choices
        self.fields["members"].help_text = _(
            "人数：%(rule)s（政策配置）。与上会项目存在回避情形的专家不能入选。"
        ) % {"rule": rules.describe()}
        self.fields["chair"].choices = [("", "—"), *choices]
        if panel is None:
            del self.fields["reason"]
        else:
            seats = list(panel.members.all())
            self.fields["name"].initial = panel.name
            self.fields["name"].disabled = True
            self.fields["members"].initial = [str(s.expert_id) for s in seats]
            self.fields["chair"].initial = next((str(s.expert_id) for s in seats if s.role == "chair"), "")


class MeetingForm(ServiceForm):
    held_at = forms.CharField(
        label=gettext_lazy("会议时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    place = forms.CharField(label=gettext_lazy("会议地点"), max_length=200, required=False)
    include_disputed = forms.BooleanField(
        label=gettext_lazy("将上一轮评分分歧较大的项目列入议程"), required=False, initial=True
    )


class RecordForm(ServiceForm):
    minutes = forms.CharField(
        label=gettext_lazy("会议纪要"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=gettext_lazy("会议议程、讨论要点和专家组意见；录入后不能修改。"),
    )
    field_map = {"attendance": "__all__", "votes": "__all__"}


class SiteVisitForm(ServiceForm):
    application = forms.ChoiceField(label=gettext_lazy("申报项目"))
    visited_on = forms.CharField(
        label=gettext_lazy("考核日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(label=gettext_lazy("考核地点"), max_length=200, required=False)
    experts = forms.MultipleChoiceField(
        label=gettext_lazy("考核专家"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("实际参加考核的专家（至少 2 名）；与申报单位存在回避情形的专家不能参加。"),
    )
    findings = forms.CharField(
        label=gettext_lazy("考核情况"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    conclusion = forms.ChoiceField(
        label=gettext_lazy("考核结论"),
        choices=Recommendation.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    field_map = {"attachments": "__all__"}

    def __init__(self, *args, applications, experts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [("", "—")] + [
            (str(a.pk), f"{a.number} {a.title}") for a in applications
        ]
        self.fields["experts"].choices = [
            (
                str(e.pk),
                f"{e.name}（{e.organisation_name or (e.organisation.name if e.organisation else '—')}）",
            )
            for e in experts
        ]


class AttachmentForm(ServiceForm):
    file = forms.FileField(
        label=gettext_lazy("补充附件"),
        help_text=gettext_lazy("PDF、JPG、PNG 或 DOCX，单个文件不超过 20 MB。"),
        error_messages={"required": gettext_lazy("请选择文件。")},
    )


# ---------------------------------------------------------------- helpers


def _require_reader(user) -> None:
    if not reads_everything(user):
        raise Http404


def _round(request, pk: int, method: str) -> ReviewRound:
    _require_reader(request.user)
    r = get_object_or_404(
        visible_rounds(request.user).select_related("call__fund_year__profile", "previous"), pk=pk
    )
    if r.method != method:
        raise Http404
    return r


def _experts_for_choice():
    return list(
        Expert.objects.select_related("organisation")
        .filter(status=ExpertStatus.ACTIVE)
        .order_by("name", "id")
    )


def _panels(r: ReviewRound) -> list[Panel]:
    return list(
        r.panels.prefetch_related(
            Prefetch("members", queryset=_seats()),
            Prefetch(
                "meetings",
                queryset=Meeting.objects.annotate(items=Count("agenda")).order_by("held_at", "id"),
            ),
        ).order_by("id")
    )


def _labelled(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["label"] = Recommendation(row["recommendation"]).label
    return rows


def _seats():
    from techfund.review.models import PanelMember

    return PanelMember.objects.select_related("expert").order_by("role", "id")


# ---------------------------------------------------------------- a meeting round


@login_required
def round_meetings(request, pk: int):
    r = _round(request, pk, ReviewMethod.MEETING)
    user = request.user
    can_manage = can(user, "review.manage_meetings", r) and r.state != RoundState.CLOSED
    return render(
        request,
        "review/meetings/round_meetings.html",
        {
            "round": r,
            "call": r.call,
            "rules": meetings.rules_for(r),
            "panels": _panels(r),
            "disputed": meetings.disputed_results(r),
            "results": _labelled(meetings.meeting_results(r)),
            "can_manage": can_manage,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def panel_new(request, pk: int):
    r = _round(request, pk, ReviewMethod.MEETING)
    require_can(request.user, "review.manage_meetings", r)
    form = PanelForm(
        request.POST if request.method == "POST" else None,
        experts=_experts_for_choice(),
        rules=meetings.rules_for(r),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            p = meetings.create_panel(
                r, actor=request.user, name=d["name"], members=d["members"], chair=d["chair"] or None
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已组建专家组“%(name)s”。") % {"name": p.name})
            return redirect("review:round_meetings", r.pk)
    return render(request, "review/meetings/panel_form.html", {"form": form, "round": r, "call": r.call})


def _panel(request, pk: int) -> Panel:
    _require_reader(request.user)
    return get_object_or_404(
        visible_panels(request.user).select_related("round__call__fund_year__profile"), pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def panel_edit(request, pk: int):
    p = _panel(request, pk)
    r = p.round
    require_can(request.user, "review.manage_meetings", p)
    form = PanelForm(
        request.POST if request.method == "POST" else None,
        experts=_experts_for_choice(),
        rules=meetings.rules_for(r),
        panel=p,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            meetings.change_panel(
                p, actor=request.user, members=d["members"], chair=d["chair"] or None, reason=d["reason"]
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("专家组“%(name)s”成员已调整。") % {"name": p.name})
            return redirect("review:round_meetings", r.pk)
    return render(
        request,
        "review/meetings/panel_form.html",
        {"form": form, "round": r, "call": r.call, "panel": p, "trail": list(trail_for(p).order_by("seq"))},
    )


def _candidates(r: ReviewRound) -> list[Application]:
    """Applications the office may put on an agenda: the call's applications in review or reviewed in
    the previous round."""
    eligible = Q(state__in=ASSIGNABLE)
    if r.previous_id:
        eligible |= Q(state=ApplicationState.REVIEWED, round_results__round_id=r.previous_id)
    return list(
        Application.objects.filter(call=r.call)
        .filter(eligible)
        .distinct()
        .select_related("organisation")
        .order_by("number")
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request, pk: int):
    p = _panel(request, pk)
    r = p.round
    require_can(request.user, "review.manage_meetings", p)
    form = MeetingForm(request.POST if request.method == "POST" else None)
    disputed = {x.application_id: x for x in meetings.disputed_results(r)}
    candidates = _candidates(r)
    for app in candidates:
        app.disputed = app.pk in disputed
        app.checked = request.method == "POST" and str(app.pk) in request.POST.getlist("applications")
        app.note = request.POST.get(f"note_{app.pk}", "") if request.method == "POST" else ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chosen = [(app.pk, app.note) for app in candidates if app.checked]
        try:
            m = meetings.schedule_meeting(
                p,
                actor=request.user,
                held_at=d["held_at"],
                place=d["place"],
                applications=chosen,
                include_disputed=d["include_disputed"],
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("论证会议已安排，议程共 %(n)s 项。") % {"n": m.agenda.count()})
            return redirect("review:meeting_detail", m.pk)
    return render(
        request,
        "review/meetings/meeting_form.html",
        {"form": form, "panel": p, "round": r, "call": r.call, "candidates": candidates},
    )


def _meeting(request, pk: int) -> Meeting:
    return get_object_or_404(
        visible_meetings(request.user).select_related("panel__round__call", "recorded_by"), pk=pk
    )


def _items(m: Meeting) -> list[AgendaItem]:
    return list(
        m.agenda.select_related("application__organisation")
        .prefetch_related(Prefetch("votes", queryset=Vote.objects.select_related("expert").order_by("id")))
        .order_by("order", "id")
    )


def _tallies(items: list[AgendaItem]) -> None:
    for item in items:
        choices = [v.choice for v in item.votes.all()]
        if choices:
            item.result, counts, item.tie = meetings.tally(choices)
            item.result_label = Recommendation(item.result).label
            item.counts = [(Recommendation(c).label, counts.get(c, 0)) for c in Recommendation.values]


@login_required
def meeting_detail(request, pk: int):
    m = _meeting(request, pk)
    user = request.user
    reader = reads_everything(user)
    items = _items(m)
    _tallies(items)
    mine = expert_id_of(user)
    if not reader:
        for item in items:  # an expert sees their own vote, never another member's
            item.my_vote = next((v for v in item.votes.all() if v.expert_id == mine), None)
    previous = {}
    r = m.panel.round
    if r.previous_id:
        previous = {
            x.application_id: x
            for x in RoundResult.objects.filter(
                round_id=r.previous_id, application__in=[i.application_id for i in items]
            )
        }
    for item in items:
        item.previous = previous.get(item.application_id)
    can_manage = can(user, "review.manage_meetings", m) and r.state != RoundState.CLOSED
    return render(
        request,
        "review/meetings/meeting_detail.html",
        {
            "meeting": m,
            "panel": m.panel,
            "round": r,
            "call": r.call,
            "seats": list(_seats().filter(panel=m.panel)),
            "attendance": list(m.attendance.select_related("expert").order_by("-present", "expert__name")),
            "items": items,
            "reader": reader,
            "can_record": can_manage and m.state == MeetingState.PLANNED and r.state == RoundState.OPEN,
            "can_cancel": can_manage and m.state == MeetingState.PLANNED,
            "trail": list(trail_for(m).order_by("seq")) if reader else [],
        },
    )


@login_required
def meeting_application(request, pk: int, application_pk: int):
    """An agenda application's content, for the panel's experts (and the readers)."""
    m = _meeting(request, pk)
    item = get_object_or_404(
        m.agenda.select_related("application__organisation", "application__call"),
        application_id=application_pk,
    )
    app = item.application
    return render(
        request,
        "review/meetings/meeting_application.html",
        {"meeting": m, "item": item, "application": app, "content": application_content(app)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_record(request, pk: int):
    _require_reader(request.user)
    m = _meeting(request, pk)
    require_can(request.user, "review.manage_meetings", m)
    if m.state != MeetingState.PLANNED:
        messages.error(request, _("该论证会议的结果已录入，不能修改；如需更正，请另行安排会议。"))
        return redirect("review:meeting_detail", m.pk)
    seats = list(_seats().filter(panel=m.panel))
    items = _items(m)
    form = RecordForm(request.POST if request.method == "POST" else None)
    post = request.POST if request.method == "POST" else {}
    for s in seats:
        s.present = (f"present_{s.expert_id}" in post) if post else True
        s.note = post.get(f"note_{s.expert_id}", "") if post else ""
    for item in items:
        item.cells = [
            {
                "seat": s,
                "choice": post.get(f"vote_{item.application_id}_{s.expert_id}", "") if post else "",
                "comment": post.get(f"comment_{item.application_id}_{s.expert_id}", "") if post else "",
            }
            for s in seats
        ]
    if request.method == "POST" and form.is_valid():
        attendance = {s.expert_id: {"present": s.present, "note": s.note} for s in seats}
        votes = {
            item.application_id: {
                c["seat"].expert_id: (c["choice"], c["comment"]) for c in item.cells if c["choice"]
            }
            for item in items
        }
        try:
            meetings.record_meeting(
                m,
                actor=request.user,
                attendance=attendance,
                minutes=form.cleaned_data["minutes"],
                votes=votes,
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("会议结果已录入。"))
            return redirect("review:meeting_detail", m.pk)
    return render(
        request,
        "review/meetings/meeting_record.html",
        {
            "meeting": m,
            "panel": m.panel,
            "round": m.panel.round,
            "seats": seats,
            "items": items,
            "form": form,
            "choices": Recommendation.choices,
        },
    )


@login_required
@require_POST
def meeting_cancel(request, pk: int):
    _require_reader(request.user)
    m = _meeting(request, pk)
    round_pk = m.panel.round_id
    ok = run_service(
        request,
        meetings.cancel_meeting,
        m,
        reason=request.POST.get("reason", ""),
        success=_("论证会议已取消。"),
    )
    return redirect("review:round_meetings", round_pk) if ok else redirect("review:meeting_detail", m.pk)


def minutes_context(m: Meeting) -> dict:
    """What the minutes print: the panel with attendance and a signature column, the agenda with the
    vote tallies and conclusions, the minutes."""
    items = _items(m)
    _tallies(items)
    r = m.panel.round
    seats = list(_seats().filter(panel=m.panel))
    attendance = {a.expert_id: a for a in m.attendance.all()}
    for s in seats:
        s.att = attendance.get(s.expert_id)
    return {
        "meeting": m,
        "panel": m.panel,
        "round": r,
        "call": r.call,
        "seats": seats,
        "present_count": sum(1 for a in attendance.values() if a.present),
        "vote_labels": [(Recommendation(c).label, c) for c in Recommendation.values],
        "items": items,
        "printed_at": timezone.localtime(),
    }


@login_required
def meeting_minutes_pdf(request, pk: int):
    """会议纪要 for printing and signature: attendance, the agenda with the vote tallies, the minutes and
    lines for the members' signatures (a planned meeting prints as a blank sign-in and voting sheet)."""
    _require_reader(request.user)
    m = _meeting(request, pk)
    if not pdf.fonts_available():
        messages.error(request, _("服务器未安装中文字体（Noto CJK），暂不能生成PDF，请联系系统管理员。"))
        return redirect("review:meeting_detail", m.pk)
    r = m.panel.round
    content = pdf.render_pdf("review/meetings/minutes_pdf.html", minutes_context(m), request=request)
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"{r.call.code}-{_('会议纪要')}-{timezone.localtime(m.held_at):%Y%m%d}.pdf"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def my_meetings(request):
    """An expert's meetings and site visits."""
    expert_id = expert_id_of(request.user)
    if not expert_id:
        raise Http404
    mine = list(meetings.expert_meetings(expert_id).annotate(items=Count("agenda", distinct=True)))
    visits = list(
        SiteVisit.objects.filter(experts__id=expert_id)
        .select_related("application", "round__call")
        .order_by("-visited_on", "-id")
    )
    return render(request, "review/meetings/my_meetings.html", {"meetings": mine, "visits": visits})


# ---------------------------------------------------------------- site visits


@login_required
def round_site_visits(request, pk: int):
    r = _round(request, pk, ReviewMethod.SITE_VISIT)
    assignments = (
        Assignment.objects.filter(round=r, state__in=HOLDING)
        .select_related("expert")
        .order_by("expert__name")
    )
    planned = list(
        site_visits.planned_applications(r)
        .select_related("organisation")
        .prefetch_related(Prefetch("assignments", queryset=assignments, to_attr="visitors"))
        .order_by("number")
    )
    visits = {
        v.application_id: v
        for v in SiteVisit.objects.filter(round=r)
        .prefetch_related("experts")
        .annotate(files=Count("attachments"))
    }
    for app in planned:
        app.visit = visits.get(app.pk)
    return render(
        request,
        "review/meetings/round_site_visits.html",
        {
            "round": r,
            "call": r.call,
            "planned": planned,
            "results": _labelled(site_visits.site_visit_results(r)),
            "can_record": can(request.user, "review.record_site_visit", r) and r.state == RoundState.OPEN,
            "can_assign": can(request.user, "review.assign", r) and r.state != RoundState.CLOSED,
            "min_experts": site_visits.MIN_VISIT_EXPERTS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_visit_new(request, pk: int):
    r = _round(request, pk, ReviewMethod.SITE_VISIT)
    require_can(request.user, "review.record_site_visit", r)
    visited = SiteVisit.objects.filter(round=r).values("application_id")
    applications = list(site_visits.planned_applications(r).exclude(pk__in=visited).order_by("number"))
    initial = {"visited_on": timezone.localdate().isoformat()}
    wanted = request.GET.get("application", "")
    if wanted.isdigit():
        initial["application"] = wanted
        initial["experts"] = [
            str(pk)
            for pk in Assignment.objects.filter(
                round=r, application_id=int(wanted), state__in=HOLDING
            ).values_list("expert_id", flat=True)
        ]
    form = SiteVisitForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        applications=applications,
        experts=_experts_for_choice(),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        app = next(a for a in applications if str(a.pk) == d["application"])
        try:
            v = site_visits.record_site_visit(
                r,
                app,
                actor=request.user,
                visited_on=d["visited_on"],
                place=d["place"],
                experts=d["experts"],
                findings=d["findings"],
                conclusion=d["conclusion"],
                attachments=request.FILES.getlist("attachments"),
            )
        except ServiceError as exc:
            form.apply_service_error(exc)
        else:
            messages.success(request, _("已录入 %(n)s 的现场考核记录。") % {"n": app.number})
            return redirect("review:site_visit_detail", v.pk)
    return render(
        request,
        "review/meetings/site_visit_form.html",
        {
            "form": form,
            "round": r,
            "call": r.call,
            "max_mb": site_visits.max_attachment_bytes() // (1024 * 1024),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_visit_detail(request, pk: int):
    v = get_object_or_404(
        visible_site_visits(request.user).select_related(
            "round__call", "application__organisation", "recorded_by"
        ),
        pk=pk,
    )
    user = request.user
    can_add = can(user, "review.record_site_visit", v) and v.round.state == RoundState.OPEN
    form = AttachmentForm(request.POST or None, request.FILES or None) if can_add else None
    if request.method == "POST":
        if not can_add:
            require_can(user, "review.record_site_visit", v)
            messages.error(request, _("本轮评审未在进行中，不能补充附件。"))
            return redirect("review:site_visit_detail", v.pk)
        if form.is_valid():
            try:
                att = site_visits.add_site_visit_attachment(
                    v, actor=user, uploaded_file=form.cleaned_data["file"]
                )
            except ServiceError as exc:
                form.apply_service_error(exc)
            else:
                messages.success(request, _("已补充附件“%(name)s”。") % {"name": att.name})
                return redirect("review:site_visit_detail", v.pk)
    downloadable = set(visible_site_visit_attachments(user).filter(visit=v).values_list("pk", flat=True))
    attachments = list(v.attachments.select_related("uploaded_by").order_by("id"))
    for a in attachments:
        a.downloadable = a.pk in downloadable
    return render(
        request,
        "review/meetings/site_visit_detail.html",
        {
            "visit": v,
            "round": v.round,
            "call": v.round.call,
            "application": v.application,
            "experts": list(v.experts.order_by("name")),
            "attachments": attachments,
            "form": form,
            "reader": reads_everything(user),
            "trail": list(trail_for(v).order_by("seq")) if reads_everything(user) else [],
        },
    )


@login_required
def site_visit_attachment_download(request, pk: int):
    att = get_object_or_404(visible_site_visit_attachments(request.user).select_related("visit"), pk=pk)
    try:
        handle = att.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle, as_attachment=True, filename=att.name, content_type=site_visits.content_type(att.name)
    )
