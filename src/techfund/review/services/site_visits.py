"""现场考核: experts visit the applicant, and the office records when and where, who went, what they
found and their conclusion, with the supporting files (photos, signed forms).

How a site-visit round works (kept simple, on the records that exist):

- **Selecting** an application for a visit is assigning its visiting experts in the round, exactly as
  for remote review (``services.assign``: same eligibility, conflict checks and trail). The round opens
  once at least one application is selected (the usual ``has_assignments`` guard), and the selected
  applications enter review then, like any assignment;
- **recording** a visit (``record_site_visit``) needs the round under way and the application selected;
  the experts named are those who actually went (a substitute may replace an assigned expert): at least
  ``MIN_VISIT_EXPERTS`` distinct experts — a finding never rests on one person's word — each eligible on
  the day and without conflict with the application. One visit record per application and round; it is
  final (a later file may be added while the round is open);
- the round **closes** when every selected application has a visit record; the visit's conclusion is the
  application's recommendation (``site_visit_results``).

Attachments: PDF, JPG, PNG or DOCX recognised by their content (not only their name), not empty, at most
``SITE_VISIT_MAX_ATTACHMENT_BYTES`` (20 MB by default); each stored with its SHA-256 and size, and the
same file twice on one visit is refused. Downloads: the office, auditors and the visit's own experts.
"""

import datetime as dt
import hashlib
import io
import os
import zipfile

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.review import validation
from techfund.review.enums import Recommendation, ResultBasis, ReviewMethod, RoundState
from techfund.review.models import (
    Assignment,
    Expert,
    ReviewRound,
    RoundResult,
    SiteVisit,
    SiteVisitAttachment,
)
from techfund.review.scopes import HOLDING, visible_rounds, visible_site_visits
from techfund.review.services.meetings import Problems, _experts, conflict_reasons

#: A visit is made by two experts at least (a finding never rests on one person's word).
MIN_VISIT_EXPERTS = 2
DEFAULT_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_FINDINGS = 20000
#: Accepted kinds: name extensions and the content type a download is served with.
KINDS = {
    "pdf": ((".pdf",), "application/pdf"),
    "jpg": ((".jpg", ".jpeg"), "image/jpeg"),
    "png": ((".png",), "image/png"),
    "docx": ((".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


def max_attachment_bytes() -> int:
    return int(getattr(settings, "SITE_VISIT_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES))


def content_type(name: str) -> str:
    ext = os.path.splitext(name or "")[1].lower()
    for exts, ctype in KINDS.values():
        if ext in exts:
            return ctype
    return "application/octet-stream"


def sniff(data: bytes) -> str | None:
    """The kind of a file by its content: pdf, jpg, png, docx (None for anything else)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "word/document.xml" in z.namelist():
                    return "docx"
        except (zipfile.BadZipFile, ValueError):
            return None
    return None


def _read(uploaded_file, *, field: str) -> tuple[str, bytes, str, str]:
    """(name, data, sha256, kind) of an upload after the size, emptiness and kind checks."""
    name = os.path.basename(getattr(uploaded_file, "name", "") or "")[:200] or "attachment"
    limit = max_attachment_bytes()

    def too_large(size):
        msg = _("附件“%(name)s”大小为 %(size)s MB，超过 %(limit)s MB 的上限。") % {
            "name": name,
            "size": f"{size / 1024 / 1024:.1f}",
            "limit": f"{limit / 1024 / 1024:g}",
        }
        return ServiceError(msg, code="attachment_too_large", errors={field: [msg]})

    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise too_large(size)
    if hasattr(uploaded_file, "chunks"):
        data = b"".join(uploaded_file.chunks())
    elif hasattr(uploaded_file, "read"):
        data = uploaded_file.read()
    else:
        msg = _("附件格式不正确。")
        raise ServiceError(msg, code="attachment_invalid", errors={field: [msg]})
    if len(data) > limit:
        raise too_large(len(data))
    if not data:
        msg = _("附件“%(name)s”是空文件。") % {"name": name}
        raise ServiceError(msg, code="attachment_empty", errors={field: [msg]})
    kind = sniff(data)
    ext = os.path.splitext(name)[1].lower()
    if kind is None or ext not in KINDS[kind][0]:
        msg = _(
            "附件“%(name)s”不是有效的 PDF、JPG、PNG 或 DOCX 文件（按文件内容识别，扩展名须与内容一致）。"
        ) % {"name": name}
        raise ServiceError(msg, code="attachment_type", errors={field: [msg]})
    return name, data, hashlib.sha256(data).hexdigest(), kind


def _store(visit: SiteVisit, name: str, data: bytes, sha256: str, actor) -> SiteVisitAttachment:
    same = visit.attachments.filter(sha256=sha256).first()
    if same is not None:
        msg = _("该文件已作为“%(name)s”上传过。") % {"name": same.name}
        raise ServiceError(msg, code="attachment_duplicate", errors={"attachments": [msg]})
    att = SiteVisitAttachment(visit=visit, name=name, size=len(data), sha256=sha256, uploaded_by=actor)
    att.file.save(name, ContentFile(data), save=False)
    att.save()
    return att


def _lock_round(round_: ReviewRound) -> ReviewRound:
    return ReviewRound.objects.select_for_update(of=("self",)).select_related("call").get(pk=round_.pk)


def _require_site_visit_round(round_: ReviewRound) -> None:
    if round_.method != ReviewMethod.SITE_VISIT:
        raise ServiceError(
            _("“%(name)s”的评审方式为“%(m)s”，不能录入现场考核。")
            % {"name": round_.name, "m": round_.get_method_display()},
            code="round_not_site_visit",
        )
    if round_.state == RoundState.CLOSED:
        raise ServiceError(
            _("“%(name)s”已结束，不能再录入现场考核。") % {"name": round_.name}, code="round_closed"
        )
    if round_.state != RoundState.OPEN:
        raise ServiceError(
            _("“%(name)s”尚未开始评审，请先开始评审再录入现场考核。") % {"name": round_.name},
            code="round_not_open",
        )


def planned_applications(round_: ReviewRound):
    """The applications selected for a visit in the round (with a visiting expert assigned)."""
    from techfund.applications.models import Application

    held = Assignment.objects.filter(round=round_, state__in=HOLDING).values("application_id")
    return Application.objects.filter(pk__in=held)


def _visited_on(value) -> dt.date:
    if isinstance(value, str):
        parsed = parse_date(value.strip()) if value.strip() else None
        if parsed is None and value.strip():
            msg = _("考核日期“%(v)s”格式不正确（例如 2026-06-18）。") % {"v": value}
            raise ServiceError(msg, code="visited_on_invalid", errors={"visited_on": [msg]})
        value = parsed
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if value is None:
        msg = _("请填写考核日期。")
        raise ServiceError(msg, code="visited_on_required", errors={"visited_on": [msg]})
    if not isinstance(value, dt.date):
        msg = _("考核日期格式不正确。")
        raise ServiceError(msg, code="visited_on_invalid", errors={"visited_on": [msg]})
    if value > timezone.localdate():
        msg = _("考核日期 %(d)s 晚于今天：现场考核完成后才能录入。") % {"d": value.isoformat()}
        raise ServiceError(msg, code="visited_on_future", errors={"visited_on": [msg]})
    return value


def _conclusion(value) -> str:
    if value not in Recommendation.values:
        msg = _("请选择考核结论（%(all)s）。") % {"all": "、".join(str(x) for x in Recommendation.labels)}
        raise ServiceError(msg, code="conclusion_invalid", errors={"conclusion": [msg]})
    return value


def _visit_experts(round_: ReviewRound, application, experts, on: dt.date | None) -> list[Expert]:
    from techfund.review.services.conflicts import measure_in_force

    chosen = _experts(experts, field="experts")
    problems: list[str] = []
    if len(chosen) < MIN_VISIT_EXPERTS:
        problems.append(
            _("现场考核须由至少 %(min)s 名专家进行，现为 %(n)s 名。")
            % {"min": MIN_VISIT_EXPERTS, "n": len(chosen)}
        )
    ids = [e.pk for e in chosen]
    barred = set()
    if on is not None:
        barred = set(
            Expert.objects.filter(pk__in=ids).filter(measure_in_force(on)).values_list("pk", flat=True)
        )
    for e in chosen:
        if e.pk in barred:
            problems.append(
                _("专家%(name)s在考核日期处于“%(s)s”状态，不能参加现场考核。")
                % {"name": e.name, "s": e.get_status_display()}
            )
        elif e.user is None:
            problems.append(_("专家%(name)s尚未关联登录账号，不能参加现场考核。") % {"name": e.name})
        elif not e.user.is_active:
            problems.append(_("专家%(name)s的账号已停用，不能参加现场考核。") % {"name": e.name})
    for (_app, expert_id), reasons in sorted(conflict_reasons(round_, chosen, [application]).items()):
        name = next(e.name for e in chosen if e.pk == expert_id)
        problems.append(
            _("专家%(expert)s须回避申报项目 %(n)s：%(why)s")
            % {"expert": name, "n": application.number, "why": "；".join(reasons)}
        )
    if problems:
        raise ServiceError(
            problems[0] if len(problems) == 1 else _("考核专家不符合要求，请按提示修改。"),
            code="visit_experts_invalid",
            errors={"experts": problems},
        )
    return chosen


def _snapshot(visit: SiteVisit) -> dict:
    return {
        "round": visit.round_id,
        "application": visit.application_id,
        "visited_on": visit.visited_on,
        "place": visit.place,
        "experts": sorted(visit.experts.values_list("pk", flat=True)),
        "findings": visit.findings,
        "conclusion": visit.conclusion,
        "attachments": [
            {"name": a.name, "size": a.size, "sha256": a.sha256} for a in visit.attachments.order_by("id")
        ],
    }


@transaction.atomic
def record_site_visit(
    round_: ReviewRound,
    application,
    *,
    actor,
    visited_on,
    place: str,
    experts,
    findings: str,
    conclusion: str,
    attachments=(),
) -> SiteVisit:
    """录入现场考核: the visit of a selected application, with its experts, findings, conclusion and files."""
    round_ = _lock_round(round_)
    role = require(actor, "review.record_site_visit", round_, visible=visible_rounds(actor))
    _require_site_visit_round(round_)
    from techfund.applications.models import Application

    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if not planned_applications(round_).filter(pk=application.pk).exists():
        msg = _("申报项目 %(n)s 未列入本轮现场考核安排：请先为它分配考核专家。") % {"n": application.number}
        raise ServiceError(msg, code="visit_not_planned", errors={"application": [msg]})
    existing = SiteVisit.objects.filter(round=round_, application=application).first()
    if existing is not None:
        msg = _("申报项目 %(n)s 已于 %(d)s 录入现场考核记录，不能重复录入；可补充附件。") % {
            "n": application.number,
            "d": existing.visited_on.isoformat(),
        }
        raise ServiceError(msg, code="visit_exists", errors={"application": [msg]})
    problems = Problems()
    clean = {
        "visited_on": problems.run(lambda: _visited_on(visited_on)),
        "place": problems.run(
            lambda: validation.required_text(place, field="place", max_length=200, label=_("考核地点"))
        ),
        "findings": problems.run(
            lambda: validation.required_text(
                findings, field="findings", max_length=MAX_FINDINGS, label=_("考核情况")
            )
        ),
        "conclusion": problems.run(lambda: _conclusion(conclusion)),
    }
    clean["experts"] = problems.run(
        lambda: _visit_experts(round_, application, experts, clean.get("visited_on"))
    )
    files = [problems.run(lambda u=u: _read(u, field="attachments")) for u in attachments or ()]
    if len({f[2] for f in files if f}) < len([f for f in files if f]):
        msg = _("同一文件上传了多次。")
        problems.failed.append(ServiceError(msg, code="attachment_duplicate", errors={"attachments": [msg]}))
    problems.raise_if_any(code="site_visit_invalid", summary=_("现场考核记录有误，请按提示修改。"))
    visit = SiteVisit.objects.create(
        round=round_,
        application=application,
        visited_on=clean["visited_on"],
        place=clean["place"],
        findings=clean["findings"],
        conclusion=clean["conclusion"],
        recorded_by=actor,
    )
    visit.experts.set(clean["experts"])
    for name, data, sha256, _kind in files:
        _store(visit, name, data, sha256, actor)
    audit.record("review.site_visit.recorded", actor=actor, role=role, target=visit, after=_snapshot(visit))
    return visit


@transaction.atomic
def add_site_visit_attachment(visit: SiteVisit, *, actor, uploaded_file) -> SiteVisitAttachment:
    """补充考核附件 (while the round is under way)."""
    visit = SiteVisit.objects.select_for_update(of=("self",)).select_related("round").get(pk=visit.pk)
    role = require(actor, "review.record_site_visit", visit, visible=visible_site_visits(actor))
    _require_site_visit_round(visit.round)
    name, data, sha256, _kind = _read(uploaded_file, field="file")
    try:
        att = _store(visit, name, data, sha256, actor)
    except ServiceError as exc:
        raise ServiceError(exc.message, code=exc.code, errors={"file": [exc.message]}) from exc
    audit.record(
        "review.site_visit.attachment_added",
        actor=actor,
        role=role,
        target=visit,
        data={"attachment": att.pk, "name": name, "size": len(data), "sha256": sha256},
    )
    return att


def check_can_close(round_: ReviewRound) -> None:
    """A site-visit round closes when every selected application has a visit record."""
    missing = list(
        planned_applications(round_)
        .exclude(pk__in=SiteVisit.objects.filter(round=round_).values("application_id"))
        .order_by("number")
    )
    if missing:
        raise ServiceError(
            _("以下申报项目还没有现场考核记录，不能结束本轮评审：%(apps)s。")
            % {"apps": "、".join(f"{a.number}（{a.title}）" for a in missing)},
            code="round_has_unvisited",
            errors={"applications": [a.number for a in missing]},
        )


def site_visit_results(round_: ReviewRound) -> list[dict]:
    """One dict per visited application of the round, by application number: ``application``,
    ``recommendation`` (the visit's conclusion), ``reasons`` (Chinese: date, place, how many experts,
    conclusion, findings — never the experts' names, which applicants must not see), ``votes`` ({}:
    a visit concludes as a team), ``score`` (the previous round's score, or None), ``reviews`` (the
    visiting experts), ``basis`` ("site_visit"), ``visit`` (its id)."""
    visits = list(
        SiteVisit.objects.filter(round=round_).select_related("application").prefetch_related("experts")
    )
    previous = {}
    if round_.previous_id:
        previous = {r.application_id: r for r in RoundResult.objects.filter(round_id=round_.previous_id)}
    out = []
    with translation.override(settings.LANGUAGE_CODE):
        for v in visits:
            prev = previous.get(v.application_id)
            n = len(v.experts.all())
            reasons = _(
                "现场考核（%(date)s，%(place)s）：考核专家 %(n)s 人，考核结论为“%(result)s”。考核情况：%(findings)s"
            ) % {
                "date": v.visited_on.isoformat(),
                "place": v.place,
                "n": n,
                "result": Recommendation(v.conclusion).label,
                "findings": v.findings if len(v.findings) <= 300 else v.findings[:300] + "…",
            }
            if prev is not None:
                reasons += _("（上一轮综合得分 %(s)s 分。）") % {"s": validation.fmt_score(prev.score)}
            out.append(
                {
                    "application": v.application,
                    "recommendation": v.conclusion,
                    "reasons": reasons,
                    "votes": {},
                    "score": prev.score if prev is not None else None,
                    "reviews": n,
                    "basis": ResultBasis.SITE_VISIT,
                    "visit": v.pk,
                }
            )
    return sorted(out, key=lambda r: r["application"].number)


__all__ = [
    "KINDS",
    "MIN_VISIT_EXPERTS",
    "add_site_visit_attachment",
    "check_can_close",
    "content_type",
    "planned_applications",
    "record_site_visit",
    "site_visit_results",
    "sniff",
]
