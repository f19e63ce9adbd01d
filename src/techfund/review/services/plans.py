"""专家分配方案: the engine proposes who reviews what — a random draw (随机抽取) or an optimal matching
(最优匹配) — computed in the background, reviewed by the office, then released as assignments.

Lifecycle (``PLAN`` below)::

    computing ──engine──► ready ──release (office)──► released
        │                   └──discard (reason)──► discarded
        └──error──► failed ──discard──► discarded     (a computing plan may be discarded too)

What a plan covers. The round's applications that may be assigned (formal check passed or in review,
or in the previous round's results — as ``assign()`` accepts them); an application that already holds
experts in this round keeps them and only its missing seats (``k`` minus the experts holding it) are
planned. The experts are ``conflicts.eligible_experts(round)``; each may still take ``max_load`` minus
what they already hold in this round. A pair is never proposed when:

- the expert conflicts with the application (回避, ``conflicts.find_conflicts``: the findings are
  stored with the plan's round, so the office can read why each pair was left out);
- the expert already has (or had, and declined) an assignment of that application in this round;
- another expert of the same organisation reviews it (one expert per organisation per application;
  an organisation is the expert's organisation record, else the workplace name they gave, compared
  without spaces; experts who gave neither count as organisations of their own).

Affinity is TF-IDF similarity (``engine.TfidfAffinity``) between the expert (subject codes, keywords,
profile, representative publications) and the application (title, abstract, keywords, subject code).
Optimal plans keep each application's best ``TOP_M`` candidates (all of them for a small pool) and
maximise the total affinity (``engine.solve_optimal``; "兼顾最弱项目" raises the weakest application's
total). Random plans draw uniformly (``engine.draw_random``, seed recorded: the same seed on the same
data gives the same plan) among the experts whose subject code matches the application's: codes are
hierarchical (``A01`` ⊃ ``A0102``), so they match when either is a prefix of the other (``A01`` matches
``A0102`` and ``A0102`` matches ``A01``; ``A01`` does not match ``A02``). An application without a code,
or with no matching expert left, falls back to the whole eligible pool; the plan's figures list those.

Release re-checks everything against the database as it is then (the pool, conflicts, loads and the
round's assignments may have changed since the plan was computed) and refuses the whole plan, naming
what changed, when any pair no longer holds: the office discards it and computes a new one. A round
has at most one released plan; gaps left afterwards (an expert declines) are filled automatically by
``replacement_for`` (random rounds: a reproducible draw; optimal rounds: the best affinity) or by hand.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from techfund.applications.enums import ApplicationState
from techfund.applications.models import Application
from techfund.core import jobs
from techfund.core.errors import ServiceError
from techfund.core.home import Pending
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.core.transitions import Move, Table
from techfund.review import validation
from techfund.review.enums import AssignmentMode, AssignmentState, PlanState, ReviewMethod, RoundState
from techfund.review.models import Assignment, AssignmentPlan, Expert, PlannedPair, ReviewRound, RoundResult
from techfund.review.scopes import HOLDING, reads_everything, visible_plans, visible_rounds
from techfund.review.services import conflicts
from techfund.review.services.application_states import enter_review
from techfund.review.transitions import ASSIGNABLE

logger = logging.getLogger(__name__)

JOB_KIND = "review.plan"
COMPUTE = "techfund.review.services.plans.compute_plan"
COMPUTE_FAILED = "techfund.review.services.plans.compute_failed"
MODES = (AssignmentMode.RANDOM, AssignmentMode.OPTIMAL)
#: Candidates kept per application by affinity in an optimal plan (every expert when the pool is small).
TOP_M = 50
#: Up to this many experts every pair is scored (no top-m cut).
ALL_PAIRS_MAX = 1000
MAX_K = 20
SEED_LIMIT = 2**63
#: Problems named in a stale plan's refusal (the rest are counted).
SHOWN_PROBLEMS = 20
#: Round states in which plans may be made and released.
ASSIGNING = frozenset({RoundState.DRAFT, RoundState.OPEN})

PLAN = Table(
    {
        (PlanState.COMPUTING, PlanState.READY): Move("review.assign"),
        (PlanState.COMPUTING, PlanState.FAILED): Move("review.assign"),
        (PlanState.COMPUTING, PlanState.DISCARDED): Move("review.assign"),
        (PlanState.READY, PlanState.RELEASED): Move("review.assign"),
        (PlanState.READY, PlanState.DISCARDED): Move("review.assign"),
        (PlanState.FAILED, PlanState.DISCARDED): Move("review.assign"),
    },
    labels=PlanState,
)


# ---------------------------------------------------------------- shared pieces


def _lock_round(round_id: int) -> ReviewRound:
    return (
        ReviewRound.objects.select_for_update(of=("self",))
        .select_related("call__fund_year__profile")
        .get(pk=round_id)
    )


def _policy_int(round_: ReviewRound, key: str) -> int | None:
    profile = round_.call.fund_year.profile
    value = profile.rule(f"review.{key}") if profile is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def reviewers_wanted(round_: ReviewRound) -> int | None:
    """k: the round's reviewers per application, else the policy's ``review.min_remote_reviewers``."""
    return round_.reviewers_per_application or _policy_int(round_, "min_remote_reviewers")


def normalise_code(code) -> str:
    return "".join(str(code or "").split()).upper()


def subjects_match(app_code: str, expert_codes) -> bool:
    """Hierarchical subject codes match when either is a prefix of the other (A01 ~ A0102)."""
    a = normalise_code(app_code)
    if not a:
        return False
    for code in expert_codes or ():
        e = normalise_code(code)
        if e and (a.startswith(e) or e.startswith(a)):
            return True
    return False


def org_key(organisation_name: str) -> str:
    """An organisation as compared for one-per-organisation ("" when unknown)."""
    return conflicts.normalise_name(organisation_name)


def expert_doc(e: dict) -> str:
    return " ".join(
        [
            " ".join(str(s) for s in e["subjects"] or ()),
            " ".join(str(k) for k in e["keywords"] or ()),
            e["profile"] or "",
            e["publications"] or "",
        ]
    )


def application_doc(a: dict) -> str:
    return " ".join(
        [
            a["title"] or "",
            a["abstract"] or "",
            " ".join(str(k) for k in a["keywords"] or ()),
            a["subject_code"] or "",
        ]
    )


EXPERT_FIELDS = (
    "pk",
    "name",
    "organisation_id",
    "organisation__name",
    "organisation_name",
    "subjects",
    "keywords",
    "profile",
    "publications",
    "max_load",
)
APPLICATION_FIELDS = (
    "pk",
    "number",
    "title",
    "abstract",
    "keywords",
    "subject_code",
    "state",
    "organisation_id",
)


def _expert_rows(qs) -> list[dict]:
    rows = list(qs.order_by("pk").values(*EXPERT_FIELDS))
    for e in rows:
        e["org"] = org_key(e["organisation__name"] or e["organisation_name"])
    return rows


def plannable_applications(round_: ReviewRound):
    """The applications a plan may give experts (what ``assign()`` accepts), by primary key."""
    previous = (
        RoundResult.objects.filter(round_id=round_.previous_id).values("application_id")
        if round_.previous_id
        else []
    )
    qs = Application.objects.filter(call_id=round_.call_id)
    if round_.previous_id:
        return qs.filter(Q(state__in=ASSIGNABLE) | Q(state=ApplicationState.REVIEWED, pk__in=previous))
    return qs.filter(state__in=ASSIGNABLE)


def _affinity(expert_docs: list[str], app_docs: list[str], m: int):
    """(app index, expert index, score) of each application's ``m`` best experts by TF-IDF."""
    from techfund.review.engine import TfidfAffinity

    app_idx, exp_idx, score = TfidfAffinity().fit(expert_docs).top_candidates(app_docs, m)
    return (
        np.asarray(app_idx, dtype=np.int64),
        np.asarray(exp_idx, dtype=np.int64),
        np.asarray(score, dtype=np.float64),
    )


def _pair_scores(expert_docs: list[str], app_docs: list[str]) -> np.ndarray:
    """The full affinity matrix (applications × experts) for small pools (zeros where no overlap)."""
    out = np.zeros((len(app_docs), len(expert_docs)), dtype=np.float64)
    if not app_docs or not expert_docs:
        return out
    a, e, s = _affinity(expert_docs, app_docs, len(expert_docs))
    out[a, e] = s
    return out


_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))


def _all_pairs(n_apps: int, n_exp: int) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.repeat(np.arange(n_apps, dtype=np.int64), n_exp),
        np.tile(np.arange(n_exp, dtype=np.int64), n_apps),
    )


def _subject_ok(todo, experts, a_idx: np.ndarray, e_idx: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Random plans: which candidate pairs match by subject code (either code a prefix of the other).
    An application without a code matches every expert. Also returns the numbers of those without."""
    exact: dict[str, set[int]] = defaultdict(set)
    under: dict[str, set[int]] = defaultdict(set)
    for j, e in enumerate(experts):
        for code in e["subjects"] or ():
            c = normalise_code(code)
            if c:
                exact[c].add(j)
                for n in range(1, len(c) + 1):
                    under[c[:n]].add(j)
    n_exp = max(len(experts), 1)
    keys, no_subject, open_apps = [], [], []
    for i, a in enumerate(todo):
        code = normalise_code(a["subject_code"])
        if not code:
            no_subject.append(a["number"])
            open_apps.append(i)
            continue
        match = set(under.get(code, ()))  # expert codes extending the application's
        for n in range(1, len(code) + 1):  # expert codes the application's extends
            match |= exact.get(code[:n], set())
        keys.extend(i * n_exp + j for j in match)
    ok = np.isin(a_idx * n_exp + e_idx, np.asarray(keys, dtype=np.int64))
    ok |= np.isin(a_idx, np.asarray(open_apps, dtype=np.int64))
    return ok, no_subject


def _draw(engine, inst, subject_ok: np.ndarray, seed: int, progress):
    """The random draw: first among the experts matching each application's subject, then — for the
    seats still empty — among the other candidates (a second draw seeded ``seed + 1``). Returns the
    pairs (app, exp, affinity) and the applications that needed the second draw."""
    first = engine.draw_random(inst, seed=seed, subject_ok=subject_ok, progress=progress)
    app, exp, aff = (np.asarray(x) for x in (first.app, first.exp, first.affinity))
    short = np.flatnonzero(first.unfilled > 0)
    if not short.size:
        return app, exp, aff, []
    load = np.bincount(exp, minlength=inst.n_experts)[: inst.n_experts]
    org = inst.org_keys()
    n_org = int(org.max()) + 1 if org.size else 1
    used = np.asarray(app, dtype=np.int64) * n_org + org[exp]
    rest = np.flatnonzero(
        ~subject_ok
        & np.isin(inst.cand_app, short)
        & ~np.isin(inst.cand_app.astype(np.int64) * n_org + org[inst.cand_exp], used)
    )
    if not rest.size:
        return app, exp, aff, []
    second_inst = engine.Instance(
        n_apps=inst.n_apps,
        n_experts=inst.n_experts,
        cand_app=inst.cand_app[rest],
        cand_exp=inst.cand_exp[rest],
        affinity=inst.affinity[rest],
        expert_org=inst.expert_org,
        capacity=np.maximum(inst.capacity - load, 0),
        k=np.asarray(first.unfilled, dtype=np.int32),
    )
    second = engine.draw_random(second_inst, seed=(seed + 1) % SEED_LIMIT)
    s_app = np.asarray(second.app)
    return (
        np.concatenate([app, s_app]),
        np.concatenate([exp, np.asarray(second.exp)]),
        np.concatenate([aff, np.asarray(second.affinity)]),
        sorted(set(s_app.tolist())),
    )


# ---------------------------------------------------------------- creating a plan


@transaction.atomic
def create_plan(round_: ReviewRound, *, actor, mode, seed=None, fairness=False, k=None) -> AssignmentPlan:
    """生成分配方案: record the plan (computing) and start computing it in the background."""
    round_ = _lock_round(round_.pk)
    role = require(actor, "review.assign", round_, visible=visible_rounds(actor))
    if round_.state not in ASSIGNING:
        raise ServiceError(
            _("“%(name)s”已结束，不能再生成专家分配方案。") % {"name": round_.name}, code="round_closed"
        )
    if round_.method == ReviewMethod.MEETING:
        raise ServiceError(_("会议论证轮次由专家组评审，不使用专家分配方案。"), code="plan_not_for_meetings")
    released = round_.plans.filter(state=PlanState.RELEASED).first()
    if released is not None:
        raise ServiceError(
            _("本轮已发布分配方案 #%(n)s；此后的空缺由系统自动补选或在分配页面人工指定。")
            % {"n": released.pk},
            code="plan_already_released",
        )
    busy = round_.plans.filter(state=PlanState.COMPUTING, job__state__in=("queued", "running")).first()
    if busy is not None:
        raise ServiceError(
            _("本轮的分配方案 #%(n)s 正在计算，请等待其完成或作废后再生成。") % {"n": busy.pk},
            code="plan_computing",
        )
    errors: dict = {}
    if mode not in MODES:
        errors["mode"] = [_("请选择遴选方式（随机抽取或最优匹配）。")]
    seed = _clean_seed(seed, mode, errors)
    fairness = bool(fairness)
    if fairness and mode == AssignmentMode.RANDOM:
        errors["fairness"] = [_("“兼顾最弱项目”只适用于最优匹配。")]
    k = _clean_k(round_, k, errors)
    if errors:
        validation.raise_errors(errors, code="plan_invalid", summary=_("分配方案的参数有误，请按提示修改。"))
    if not plannable_applications(round_).exists():
        raise ServiceError(
            _("“%(name)s”没有可分配评审专家的申报项目（须为形式审查通过或评审中）。") % {"name": round_.name},
            code="plan_no_applications",
        )
    if mode == AssignmentMode.RANDOM and seed is None:
        seed = secrets.randbits(48)
    plan = AssignmentPlan.objects.create(
        round=round_,
        mode=mode,
        seed=seed if mode == AssignmentMode.RANDOM else None,
        fairness=fairness,
        reviewers_per_application=k,
        created_by=actor,
    )
    plan.job = jobs.start(
        JOB_KIND,
        _("计算专家分配方案：%(round)s（%(mode)s）")
        % {"round": round_.name, "mode": plan.get_mode_display()},
        COMPUTE,
        actor=actor,
        params={"plan_id": plan.pk},
        target=f"review.assignmentplan:{plan.pk}",
        on_failure=COMPUTE_FAILED,
    )
    plan.save(update_fields=["job"])
    audit.record(
        "review.plan.created",
        actor=actor,
        role=role,
        target=plan,
        after={
            "round": round_.pk,
            "mode": plan.mode,
            "seed": plan.seed,
            "fairness": plan.fairness,
            "reviewers_per_application": k,
            "job": plan.job_id,
        },
    )
    return plan


def _clean_seed(seed, mode, errors: dict):
    if seed is None or (isinstance(seed, str) and not seed.strip()):
        return None
    if mode == AssignmentMode.OPTIMAL:
        errors["seed"] = [_("最优匹配不使用随机种子。")]
        return None
    try:
        value = int(str(seed).strip()) if not isinstance(seed, bool) else -1
    except ValueError:
        value = -1
    if not 0 <= value < SEED_LIMIT:
        errors["seed"] = [_("随机种子须为非负整数（最多 18 位），收到“%(v)s”。") % {"v": seed}]
        return None
    return value


def _clean_k(round_: ReviewRound, k, errors: dict) -> int | None:
    if k is None or (isinstance(k, str) and not k.strip()):
        k = reviewers_wanted(round_)
        if k is None:
            errors["k"] = [_("请填写每项专家人数（本轮与政策均未规定）。")]
            return None
    try:
        value = int(str(k).strip()) if not isinstance(k, bool) else 0
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_K:
        errors["k"] = [_("每项专家人数须为 1 到 %(max)s 之间的整数，收到“%(v)s”。") % {"max": MAX_K, "v": k}]
        return None
    least = _policy_int(round_, "min_remote_reviewers")
    if round_.method == ReviewMethod.REMOTE and least and value < least:
        errors["k"] = [
            _("通讯评审每个项目至少须有 %(min)s 名专家（政策规定），收到 %(k)s。")
            % {"min": least, "k": value}
        ]
        return None
    return value


# ---------------------------------------------------------------- computing (the background job)


#: The engine's progress messages (fixed Chinese texts), listed for ``makemessages``. A job stores the
#: message as written and the job page translates it for whoever looks, so progress reads in English too.
ENGINE_MESSAGES = (
    gettext_noop("整理候选专家"),
    gettext_noop("求解最小费用流"),
    gettext_noop("拍卖法分配评审席位"),
    gettext_noop("公平性调整"),
    gettext_noop("完成"),
    gettext_noop("计算相关度"),
    gettext_noop("随机抽取"),
)


class _Phases:
    """Progress over the phases of a computation, as 0..100 on the job, with seconds per phase."""

    WEIGHTS = (("load", 5), ("conflicts", 15), ("affinity", 20), ("solve", 50), ("save", 10))

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.start = {}
        self.seconds: dict[str, float] = {}
        self.current = None
        self.offset = 0
        self.width = 0
        self.t = time.perf_counter()

    def enter(self, name: str, message: str) -> None:
        now = time.perf_counter()
        if self.current:
            self.seconds[self.current] = round(now - self.t, 3)
        self.t = now
        offset = 0
        for key, weight in self.WEIGHTS:
            if key == name:
                self.offset, self.width = offset, weight
                break
            offset += weight
        self.current = name
        jobs.report(self.job_id, self.offset, 100, message)

    def progress(self, done: int, total: int, message: str) -> None:
        frac = min(1.0, done / total) if total else 0.0
        jobs.report(self.job_id, self.offset + int(self.width * frac), 100, message)

    def finish(self) -> dict:
        if self.current:
            self.seconds[self.current] = round(time.perf_counter() - self.t, 3)
            self.current = None
        return self.seconds


def compute_plan(job_id: int, plan_id: int) -> dict:
    """The background job: read the round, find conflicts, score affinities, solve or draw, store the
    plan's pairs, the conflict findings and its figures, and mark it ready. Reads in autocommit and
    writes once at the end (a short transaction), so the progress bar moves meanwhile."""
    plan = AssignmentPlan.objects.select_related("round__call__fund_year__profile").get(pk=plan_id)
    if plan.state != PlanState.COMPUTING:
        return {"plan": plan.pk, "skipped": plan.state}
    phases = _Phases(job_id)
    computed = _compute(plan, phases)
    phases.enter("save", gettext_noop("保存方案"))
    with transaction.atomic():
        locked = AssignmentPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.state != PlanState.COMPUTING:  # discarded while it was computing: keep it so
            return {"plan": plan.pk, "skipped": locked.state}
        PlannedPair.objects.bulk_create(
            [
                PlannedPair(plan_id=plan.pk, application_id=a, expert_id=e, affinity=float(s))
                for a, e, s in computed["pairs"]
            ],
            batch_size=2000,
        )
        conflicts.record_conflicts(
            plan.round, computed["found"], applications=computed["app_ids"], experts=computed["expert_ids"]
        )
        stats = computed["stats"]
        stats["seconds"] = phases.finish()
        locked.stats = stats
        locked.state = PlanState.READY
        locked.save(update_fields=["stats", "state"])
        audit.record(
            "review.plan.computed",
            actor=None,
            target=locked,
            after={"state": PlanState.READY},
            data={
                "seats": stats["seats"],
                "filled": stats["filled"],
                "unfilled_applications": len(stats["unfilled"]),
                "conflicts_excluded": stats["conflicts_excluded"],
                "affinity_total": stats["affinity"]["total"],
                "digest": pairs_digest((a, e) for a, e, _s in computed["pairs"]),
            },
        )
    return {
        "plan": plan.pk,
        "url": reverse("review:plan_detail", args=[plan.pk]),
        "seats": stats["seats"],
        "filled": stats["filled"],
    }


def compute_failed(job_id: int, error: str, plan_id: int) -> None:
    """The job failed: the plan is marked failed with the job's message (unless discarded meanwhile)."""
    with transaction.atomic():
        plan = AssignmentPlan.objects.select_for_update().filter(pk=plan_id).first()
        if plan is None or plan.state != PlanState.COMPUTING:
            return
        plan.state = PlanState.FAILED
        plan.note = str(error)[:300]
        plan.save(update_fields=["state", "note"])
        audit.record(
            "review.plan.failed", actor=None, target=plan, after={"state": PlanState.FAILED}, reason=plan.note
        )


def _round_holdings(round_: ReviewRound, app_ids=None):
    """This round's assignments: per application the experts it has had (any state) and the experts
    holding it; per expert how many applications they hold in the round."""
    taken: dict[int, set[int]] = defaultdict(set)
    holders: dict[int, set[int]] = defaultdict(set)
    load: dict[int, int] = defaultdict(int)
    qs = Assignment.objects.filter(round_id=round_.pk)
    for app_id, expert_id, state in qs.values_list("application_id", "expert_id", "state"):
        if state in HOLDING:
            load[expert_id] += 1
        if app_ids is not None and app_id not in app_ids:
            continue
        taken[app_id].add(expert_id)
        if state in HOLDING:
            holders[app_id].add(expert_id)
    return taken, holders, load


def _org_of(expert_ids) -> dict[int, str]:
    return {e["pk"]: e["org"] for e in _expert_rows(Expert.objects.filter(pk__in=list(expert_ids)))}


def _compute(plan: AssignmentPlan, phases: _Phases) -> dict:
    from techfund.review import engine

    round_ = plan.round
    k = plan.reviewers_per_application
    phases.enter("load", gettext_noop("读取申报项目与专家库"))
    apps = list(plannable_applications(round_).order_by("pk").values(*APPLICATION_FIELDS))
    app_ids = {a["pk"] for a in apps}
    taken, holders, load = _round_holdings(round_, app_ids)
    holder_orgs = _org_of({e for hs in holders.values() for e in hs})
    experts = _expert_rows(conflicts.eligible_experts(round_))
    capacity = np.array([max(0, e["max_load"] - load.get(e["pk"], 0)) for e in experts], dtype=np.int32)
    need = {a["pk"]: max(0, k - len(holders.get(a["pk"], ()))) for a in apps}
    todo = [a for a in apps if need[a["pk"]] > 0]
    org_index: dict[str, int] = {}
    expert_org = np.array(
        [org_index.setdefault(e["org"], len(org_index)) if e["org"] else -1 for e in experts], dtype=np.int32
    )
    stats: dict = {
        "mode": plan.mode,
        "seed": plan.seed,
        "fairness": plan.fairness,
        "k": k,
        "applications": len(apps),
        "applications_full": len(apps) - len(todo),
        "applications_planned": len(todo),
        "experts": len(experts),
        "experts_with_capacity": int((capacity > 0).sum()),
        "seats": int(sum(need[a["pk"]] for a in todo)),
    }

    phases.enter("conflicts", gettext_noop("回避检查"))
    found = (
        conflicts.find_conflicts(round_, [a["pk"] for a in todo], [e["pk"] for e in experts]) if todo else {}
    )

    phases.enter("affinity", gettext_noop("计算专家与项目的匹配度"))
    n_apps, n_exp = len(todo), len(experts)
    expert_docs = [expert_doc(e) for e in experts]
    app_docs = [application_doc(a) for a in todo]
    no_subject: list[str] = []
    if plan.mode == AssignmentMode.OPTIMAL:
        m = n_exp if n_exp <= ALL_PAIRS_MAX else min(n_exp, TOP_M + 4 * k)
        a_idx, e_idx, score = _affinity(expert_docs, app_docs, m) if n_apps and n_exp else _EMPTY
        a_idx, e_idx = a_idx.astype(np.int64), e_idx.astype(np.int64)
        subject_ok = np.ones(a_idx.size, dtype=bool)
    else:  # every eligible expert is a candidate; the draw prefers those of the application's subject
        a_idx, e_idx = _all_pairs(n_apps, n_exp)
        subject_ok, no_subject = _subject_ok(todo, experts, a_idx, e_idx)
        if n_exp <= ALL_PAIRS_MAX:
            score = _pair_scores(expert_docs, app_docs)[a_idx, e_idx] if a_idx.size else np.zeros(0)
        else:  # a large pool: only the drawn pairs are scored, after the draw
            score = np.zeros(a_idx.size)
    # Leave out conflicts, experts the application has had in this round, and organisations it has.
    enc = a_idx * max(n_exp, 1) + e_idx
    pos = {e["pk"]: j for j, e in enumerate(experts)}
    row = {a["pk"]: i for i, a in enumerate(todo)}

    def keys(pairs) -> np.ndarray:
        out = [row[a] * max(n_exp, 1) + pos[e] for a, e in pairs if a in row and e in pos]
        return np.asarray(out, dtype=np.int64)

    in_conflict = np.isin(enc, keys(found))
    had = np.isin(enc, keys((a, e) for a, es in taken.items() for e in es))
    n_org = len(org_index) + 1
    used_orgs = np.asarray(
        [
            row[a] * n_org + org_index[holder_orgs[h]]
            for a, hs in holders.items()
            for h in hs
            if a in row and holder_orgs.get(h) in org_index
        ],
        dtype=np.int64,
    )
    org_of_pair = expert_org[e_idx].astype(np.int64)
    same_org = (org_of_pair >= 0) & np.isin(a_idx * n_org + org_of_pair, used_orgs)
    keep = ~(in_conflict | had | same_org)
    a_idx, e_idx, score, subject_ok = a_idx[keep], e_idx[keep], score[keep], subject_ok[keep]
    stats["conflicts_found"] = len(found)
    stats["conflict_reasons"] = sum(len(v) for v in found.values())
    stats["conflicts_excluded"] = len(found)  # every conflicting pair of these applications and experts
    stats["candidate_pairs"] = int(a_idx.size)
    stats["no_subject_code"] = no_subject

    phases.enter(
        "solve",
        gettext_noop("求解分配方案") if plan.mode == AssignmentMode.OPTIMAL else gettext_noop("随机抽取专家"),
    )
    inst = engine.Instance(
        n_apps=n_apps,
        n_experts=n_exp,
        cand_app=a_idx.astype(np.int32),
        cand_exp=e_idx.astype(np.int32),
        affinity=score.astype(np.float64),
        expert_org=expert_org,
        capacity=capacity,
        k=np.asarray([need[a["pk"]] for a in todo], dtype=np.int32),
    )
    fallback: list[int] = []
    if plan.mode == AssignmentMode.OPTIMAL:
        result = engine.solve_optimal(inst, fairness=plan.fairness, progress=phases.progress)
        r_app, r_exp, r_aff = (np.asarray(x) for x in (result.app, result.exp, result.affinity))
        engine_stats = result.stats
    else:
        r_app, r_exp, r_aff, fallback = _draw(engine, inst, subject_ok, int(plan.seed), phases.progress)
        engine_stats = {}
        if n_exp > ALL_PAIRS_MAX and r_app.size:
            r_aff = _drawn_affinity(expert_docs, app_docs, r_app, r_exp)
    r_app, r_exp = r_app.astype(np.int64), r_exp.astype(np.int64)
    stats["subject_fallback"] = [todo[i]["number"] for i in fallback]
    pairs = sorted(
        (todo[i]["pk"], experts[j]["pk"], round(float(s), 6))
        for i, j, s in zip(r_app, r_exp, r_aff, strict=True)
    )
    stats.update(_figures(todo, experts, pairs, need, a_idx, e_idx, capacity))
    stats["engine"] = {key: v for key, v in (engine_stats or {}).items() if _jsonable(v)}
    return {
        "pairs": pairs,
        "found": found,
        "app_ids": [a["pk"] for a in todo],
        "expert_ids": [e["pk"] for e in experts],
        "stats": stats,
    }


def _drawn_affinity(expert_docs, app_docs, r_app, r_exp) -> np.ndarray:
    """Affinity of given pairs only (a random draw over a large pool): the same TF-IDF model fitted on
    the whole pool, each pair's cosine computed from the two sparse rows."""
    from techfund.review.engine import TfidfAffinity

    model = TfidfAffinity().fit(expert_docs)
    if model.experts is None:
        return np.zeros(r_app.size)
    apps = model.transform(app_docs)[r_app]
    experts = model.experts[r_exp]
    return np.clip(np.asarray(apps.multiply(experts).sum(axis=1)).reshape(-1), 0.0, 1.0)


def _figures(todo, experts, pairs, need, a_idx, e_idx, capacity) -> dict:
    filled: dict[int, int] = defaultdict(int)
    per_app: dict[int, float] = defaultdict(float)
    for a, _e, s in pairs:
        filled[a] += 1
        per_app[a] += s
    unfilled = []
    for i, a in enumerate(todo):
        missing = need[a["pk"]] - filled[a["pk"]]
        if missing <= 0:
            continue
        usable = [int(j) for j in e_idx[a_idx == i] if capacity[j] > 0]
        orgs = {experts[j]["org"] or f"#{experts[j]['pk']}" for j in usable}
        if not usable:
            reason = "no_candidates"
        elif len(orgs) < need[a["pk"]]:
            reason = "too_few_candidates"
        else:
            reason = "capacity"
        unfilled.append(
            {
                "application": a["pk"],
                "number": a["number"],
                "title": a["title"],
                "missing": missing,
                "candidates": len(usable),
                "reason": reason,
            }
        )
    scores = [s for _a, _e, s in pairs]
    totals = [per_app[a["pk"]] for a in todo if filled[a["pk"]]]
    return {
        "filled": len(pairs),
        "unfilled": unfilled,
        "experts_used": len({e for _a, e, _s in pairs}),
        "affinity": {
            "total": round(sum(scores), 6),
            "min": round(min(scores), 6) if scores else None,
            "mean": round(sum(scores) / len(scores), 6) if scores else None,
            "weakest_application": round(min(totals), 6) if totals else None,
        },
    }


def _jsonable(v) -> bool:
    return isinstance(v, bool | int | float | str) or v is None


def pairs_digest(pairs) -> str:
    """sha256 of the sorted "application:expert" lines: the fingerprint of an assignment."""
    lines = sorted(f"{int(a)}:{int(e)}" for a, e in pairs)
    return hashlib.sha256("\n".join(lines).encode("ascii")).hexdigest()


# ---------------------------------------------------------------- release and discard


def _lock_plan(plan: AssignmentPlan) -> tuple[ReviewRound, AssignmentPlan]:
    """Lock the round first, then the plan (the order of every review service)."""
    round_id = AssignmentPlan.objects.values_list("round_id", flat=True).get(pk=plan.pk)
    round_ = _lock_round(round_id)
    plan = AssignmentPlan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
    plan.round = round_
    return round_, plan


@transaction.atomic
def release_plan(plan: AssignmentPlan, *, actor) -> AssignmentPlan:
    """发布分配方案: every planned pair becomes an assignment, all or nothing, after checking that the
    plan still holds for the database as it is now."""
    round_, plan = _lock_plan(plan)
    role = require(actor, "review.assign", plan, visible=visible_plans(actor))
    PLAN.check(plan, PlanState.RELEASED)
    if round_.state not in ASSIGNING:
        raise ServiceError(
            _("“%(name)s”已结束，不能再发布分配方案。") % {"name": round_.name}, code="round_closed"
        )
    released = round_.plans.filter(state=PlanState.RELEASED).exclude(pk=plan.pk).first()
    if released is not None:
        raise ServiceError(
            _("本轮已发布分配方案 #%(n)s，一个轮次只能发布一个分配方案。") % {"n": released.pk},
            code="plan_already_released",
        )
    pairs = list(
        plan.pairs.order_by("application_id", "expert_id").values_list(
            "application_id", "expert_id", "affinity"
        )
    )
    if not pairs:
        raise ServiceError(_("方案中没有任何专家分配，无需发布。"), code="plan_empty")
    app_ids = sorted({a for a, _e, _s in pairs})
    applications = {
        a.pk: a
        for a in Application.objects.select_for_update(of=("self",)).filter(pk__in=app_ids).order_by("pk")
    }
    problems = stale_problems(round_, plan, pairs, applications)
    if problems:
        shown = "；".join(problems[:SHOWN_PROBLEMS])
        more = len(problems) - SHOWN_PROBLEMS
        msg = _(
            "方案计算后专家库或分配情况已有变化，方案已过时，未发布：%(problems)s%(more)s。请作废本方案后重新生成。"
        ) % {
            "problems": shown,
            "more": (_("；另有 %(n)s 处") % {"n": more}) if more > 0 else "",
        }
        raise ServiceError(msg, code="plan_stale", errors={"plan": problems})
    now = timezone.now()
    Assignment.objects.bulk_create(
        [
            Assignment(
                round=round_,
                application_id=a,
                expert_id=e,
                assigned_by=actor,
                affinity=s,
                plan=plan,
            )
            for a, e, s in pairs
        ],
        batch_size=1000,
    )
    entered = []
    if round_.state == RoundState.OPEN:
        for app_id in app_ids:
            application = applications[app_id]
            if application.state != ApplicationState.IN_REVIEW:
                enter_review(application, actor=actor, role=role, round_=round_)
                entered.append(application.number)
    round_.assignment_mode = plan.mode
    round_.released_at = now
    round_.save(update_fields=["assignment_mode", "released_at"])
    plan.state = PlanState.RELEASED
    plan.decided_by = actor
    plan.decided_at = now
    plan.save(update_fields=["state", "decided_by", "decided_at"])
    others = list(round_.plans.filter(state=PlanState.READY).exclude(pk=plan.pk).values_list("pk", flat=True))
    if others:
        AssignmentPlan.objects.filter(pk__in=others).update(
            state=PlanState.DISCARDED,
            decided_by=actor,
            decided_at=now,
            note=(_("已发布方案 #%(n)s，本方案自动作废。") % {"n": plan.pk})[:300],
        )
    audit.record(
        "review.plan.released",
        actor=actor,
        role=role,
        target=plan,
        before={"state": PlanState.READY},
        after={"state": PlanState.RELEASED},
        data={
            "round": round_.pk,
            "mode": plan.mode,
            "seed": plan.seed,
            "assignments": len(pairs),
            "applications": len(app_ids),
            "experts": len({e for _a, e, _s in pairs}),
            "entered_review": entered,
            "digest": pairs_digest((a, e) for a, e, _s in pairs),
            "discarded_plans": others,
        },
    )
    return plan


def stale_problems(round_: ReviewRound, plan: AssignmentPlan, pairs, applications: dict) -> list[str]:
    """What no longer holds of the plan's pairs in the database as it is now (empty: still valid)."""
    problems: list[str] = []
    k = plan.reviewers_per_application
    expert_ids = sorted({e for _a, e, _s in pairs})
    experts = {e["pk"]: e for e in _expert_rows(Expert.objects.filter(pk__in=expert_ids))}
    eligible = set(conflicts.eligible_experts(round_).filter(pk__in=expert_ids).values_list("pk", flat=True))
    previous = set()
    if round_.previous_id:
        previous = set(
            RoundResult.objects.filter(
                round_id=round_.previous_id, application_id__in=list(applications)
            ).values_list("application_id", flat=True)
        )
    for app_id, a in applications.items():
        ok = a.call_id == round_.call_id and (
            a.state in ASSIGNABLE or (a.state == ApplicationState.REVIEWED and app_id in previous)
        )
        if not ok:
            problems.append(
                _("申报项目 %(n)s 当前状态为“%(s)s”，已不能分配评审专家")
                % {"n": a.number, "s": a.get_state_display()}
            )
    for e in expert_ids:
        if e not in eligible:
            problems.append(
                _("专家%(expert)s已不在可抽取的专家范围内（暂停、禁入、账号停用或不在评审时段）")
                % {"expert": experts[e]["name"]}
            )
    found = conflicts.find_conflicts(round_, list(applications), expert_ids)
    planned = {(a, e) for a, e, _s in pairs}
    for (a, e), reasons in sorted(found.items()):
        if (a, e) in planned:
            problems.append(
                _("专家%(expert)s与申报项目 %(n)s 存在回避情形：%(why)s")
                % {
                    "expert": experts[e]["name"],
                    "n": applications[a].number,
                    "why": "；".join(r for _rule, r in reasons),
                }
            )
    taken, holders, load = _round_holdings(round_, set(applications))
    holder_orgs = _org_of({h for hs in holders.values() for h in hs})
    planned_by_app: dict[int, list[int]] = defaultdict(list)
    planned_load: dict[int, int] = defaultdict(int)
    for a, e, _s in pairs:
        planned_by_app[a].append(e)
        planned_load[e] += 1
        if e in taken.get(a, ()):
            problems.append(
                _("专家%(expert)s已被分配过申报项目 %(n)s")
                % {"expert": experts[e]["name"], "n": applications[a].number}
            )
    for e, extra in sorted(planned_load.items()):
        total = load.get(e, 0) + extra
        if total > experts[e]["max_load"]:
            problems.append(
                _("专家%(expert)s在本轮的评审任务将达 %(load)s 项，超过每轮上限 %(max)s 项")
                % {"expert": experts[e]["name"], "load": total, "max": experts[e]["max_load"]}
            )
    for a, planned_experts in sorted(planned_by_app.items()):
        number = applications[a].number
        count = len(holders.get(a, ())) + len(planned_experts)
        if count > k:
            problems.append(
                _("申报项目 %(n)s 的评审专家将达 %(count)s 名，超过每项 %(k)s 名")
                % {"n": number, "count": count, "k": k}
            )
        seen: dict[str, str] = {}
        for h in holders.get(a, ()):
            if holder_orgs.get(h):
                seen.setdefault(holder_orgs[h], "")
        for e in planned_experts:
            org = experts[e]["org"]
            if not org:
                continue
            if org in seen:
                problems.append(
                    _("申报项目 %(n)s 将有同一单位（%(org)s）的两名专家")
                    % {
                        "n": number,
                        "org": experts[e]["organisation__name"] or experts[e]["organisation_name"],
                    }
                )
            seen[org] = experts[e]["name"]
    return problems


@transaction.atomic
def discard_plan(plan: AssignmentPlan, *, actor, reason: str) -> AssignmentPlan:
    """作废分配方案 (not yet released), saying why; its figures and pairs are kept for the record."""
    round_, plan = _lock_plan(plan)
    role = require(actor, "review.assign", plan, visible=visible_plans(actor))
    PLAN.check(plan, PlanState.DISCARDED)
    reason = validation.required_text(
        reason, field="reason", max_length=300, label=_("理由"), message=_("作废分配方案须说明理由。")
    )
    before = plan.state
    plan.state = PlanState.DISCARDED
    plan.decided_by = actor
    plan.decided_at = timezone.now()
    plan.note = reason
    plan.save(update_fields=["state", "decided_by", "decided_at", "note"])
    audit.record(
        "review.plan.discarded",
        actor=actor,
        role=role,
        target=plan,
        before={"state": before},
        after={"state": PlanState.DISCARDED},
        reason=reason,
    )
    return plan


# ---------------------------------------------------------------- the Excel export of a plan

PLAN_COLUMNS = (
    (gettext_lazy("申报编号"), 14),
    (gettext_lazy("项目名称"), 36),
    (gettext_lazy("申报单位"), 28),
    (gettext_lazy("学科/领域代码"), 12),
    (gettext_lazy("评审专家"), 12),
    (gettext_lazy("专家工作单位"), 28),
    (gettext_lazy("专家学科/领域代码"), 16),
    (gettext_lazy("匹配度"), 10),
)


@dataclass
class Export:
    content: bytes
    rows: int
    filename: str


def export_plan(plan: AssignmentPlan, *, actor) -> Export:
    """An xlsx of a plan: one row per planned pair (by application number, best affinity first), the
    empty seats, and a cover sheet with the plan's parameters, figures and fingerprint; audited."""
    from openpyxl import Workbook

    from techfund.core.exporters import SHANGHAI, role_label
    from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes

    role = require(actor, "review.export_plan", plan, visible=visible_plans(actor))
    if plan.state in (PlanState.COMPUTING, PlanState.FAILED):
        raise ServiceError(
            _("分配方案 #%(n)s 当前为“%(s)s”，没有可导出的内容。")
            % {"n": plan.pk, "s": plan.get_state_display()},
            code="plan_not_ready",
        )
    round_ = plan.round
    pairs = list(
        plan.pairs.select_related("application__organisation", "expert__organisation").order_by(
            "application__number", "-affinity", "expert__name"
        )
    )
    wb = Workbook(write_only=True)
    ws = add_data_sheet(wb, _("分配方案"), PLAN_COLUMNS, freeze="C2")
    for p in pairs:
        a, e = p.application, p.expert
        cells = [
            cell(ws, v)
            for v in (
                a.number,
                a.title,
                a.organisation.name,
                a.subject_code,
                e.name,
                e.organisation.name if e.organisation else e.organisation_name,
                "、".join(e.subjects or ()),
                round(p.affinity, 4),
            )
        ]
        cells[-1].number_format = "0.0000"
        ws.append(cells)
    stats = plan.stats or {}
    for u in stats.get("unfilled", []):
        ws.append(
            [
                cell(ws, u["number"]),
                cell(ws, u.get("title", "")),
                cell(ws, ""),
                cell(ws, ""),
                cell(ws, _("（缺 %(n)s 名）") % {"n": u["missing"]}),
                cell(ws, ""),
                cell(ws, ""),
                cell(ws, ""),
            ]
        )
    now = timezone.localtime(timezone.now(), SHANGHAI)
    cover = [
        (_("评审轮次"), f"{round_.call.code} {round_.call.title} · {round_.sequence}. {round_.name}"),
        (_("分配方案"), f"#{plan.pk} {plan.get_mode_display()} · {plan.get_state_display()}"),
        (_("随机种子"), str(plan.seed) if plan.seed is not None else "—"),
        (_("每项专家人数"), str(plan.reviewers_per_application)),
        (_("兼顾最弱项目"), _("是") if plan.fairness else _("否")),
        (
            _("席位"),
            _("应配 %(seats)s 席，已配 %(filled)s 席")
            % {"seats": stats.get("seats", 0), "filled": stats.get("filled", 0)},
        ),
        (_("回避排除"), str(stats.get("conflicts_excluded", 0))),
        (_("方案指纹（SHA-256）"), pairs_digest((p.application_id, p.expert_id) for p in pairs)),
        (_("导出人"), f"{actor.get_username()}（{actor}）"),
        (_("导出身份"), role_label(role)),
        (_("导出时间（北京时间）"), now.strftime("%Y-%m-%d %H:%M:%S")),
    ]
    add_cover_sheet(wb, cover, count=len(pairs))
    content = workbook_bytes(wb)
    with transaction.atomic():
        audit.record("review.plan.exported", actor=actor, role=role, target=plan, data={"rows": len(pairs)})
    return Export(
        content=content,
        rows=len(pairs),
        filename=f"review-plan-{round_.call.code}-{round_.sequence}-{plan.pk}-{now:%Y%m%d-%H%M%S}.xlsx",
    )


# ---------------------------------------------------------------- replacing an expert who declined


def released_plan(round_: ReviewRound) -> AssignmentPlan | None:
    return round_.plans.filter(state=PlanState.RELEASED).first()


def replacement_for(round_: ReviewRound, declined: Assignment) -> tuple[Expert, float, dict] | None:
    """The expert who takes over a declined assignment, with the pair's affinity and how they were
    chosen — or None when nobody may.

    Candidates: eligible experts who never had this application in this round, with room left in their
    load, without a conflict, and of an organisation none of the application's current reviewers is
    from. Optimal rounds take the highest affinity (ties: the lowest expert id); random rounds draw
    among the experts matching the application's subject code (else the whole list) with a generator
    seeded by the released plan's seed and the declined assignment's id, so the draw can be repeated."""
    app = Application.objects.get(pk=declined.application_id)
    taken, holders, load = _round_holdings(round_, {app.pk})
    holder_orgs = set(_org_of(holders.get(app.pk, ())).values()) - {""}
    experts = [
        e
        for e in _expert_rows(conflicts.eligible_experts(round_).exclude(pk__in=taken.get(app.pk, set())))
        if load.get(e["pk"], 0) < e["max_load"] and not (e["org"] and e["org"] in holder_orgs)
    ]
    if not experts:
        return None
    found = conflicts.find_conflicts(round_, [app.pk], [e["pk"] for e in experts])
    experts = [e for e in experts if (app.pk, e["pk"]) not in found]
    if not experts:
        return None
    app_row = {f: getattr(app, f) for f in ("title", "abstract", "keywords", "subject_code")}
    scores = _pair_scores([expert_doc(e) for e in experts], [application_doc(app_row)])[0]
    plan = released_plan(round_)
    how = {"mode": round_.assignment_mode, "candidates": len(experts), "plan": plan.pk if plan else None}
    pool = list(range(len(experts)))  # ordered by primary key: ties go to the lowest
    mode, seed = "optimal", None
    if round_.assignment_mode == AssignmentMode.RANDOM:
        matching = [i for i in pool if subjects_match(app.subject_code, experts[i]["subjects"])]
        how["subject_match"] = bool(matching)
        pool = matching or pool
        how["seed"] = int(plan.seed) if plan is not None and plan.seed is not None else 0
        mode, seed = "random", [how["seed"], int(declined.pk)]
    from techfund.review import engine

    # The engine's rule (the same one the plan's own repairs use) on this one application's candidates;
    # loads and organisations were checked above against the database.
    inst = engine.Instance(
        n_apps=1,
        n_experts=len(experts),
        cand_app=np.zeros(len(pool), dtype=np.int32),
        cand_exp=np.asarray(pool, dtype=np.int32),
        affinity=scores[pool],
        expert_org=np.arange(len(experts), dtype=np.int32),
        capacity=np.ones(len(experts), dtype=np.int32),
        k=1,
    )
    empty = np.zeros(0, dtype=np.int64)
    pick = engine.replacement(inst, (empty, empty), 0, mode=mode, seed=seed)
    expert = Expert.objects.get(pk=experts[pick]["pk"])
    return expert, round(float(scores[pick]), 6), how


# ---------------------------------------------------------------- the office's home page


def declines_to_fill(user):
    """Applications whose expert declined and was not replaced, still short of reviewers (office)."""
    if not reads_everything(user):
        return
    declined = (
        Assignment.objects.filter(
            state=AssignmentState.DECLINED,
            replaced_by__isnull=True,
            round__state__in=ASSIGNING,
        )
        .select_related("application", "round__call__fund_year__profile")
        .order_by("round_id", "application__number", "id")
    )
    rows = list(declined)
    if not rows:
        return
    counts = (
        Assignment.objects.filter(round_id__in={d.round_id for d in rows}, state__in=HOLDING)
        .values_list("round_id", "application_id")
        .annotate(n=Count("id"))
    )
    held = {(r, a): n for r, a, n in counts}
    seen = set()
    for d in rows:
        key = (d.round_id, d.application_id)
        if key in seen:
            continue
        seen.add(key)
        k = reviewers_wanted(d.round) or 1
        have = held.get(key, 0)
        if have >= k:
            continue
        yield Pending(
            title=f"{d.application.number} {d.application.title}",
            url=reverse("review:round_assign", args=[d.round_id]) + f"#app-{d.application_id}",
            kind=_("专家回避/拒绝，待补选专家"),
            detail=_("%(round)s：现有 %(have)s 名专家，应有 %(k)s 名")
            % {"round": d.round.name, "have": have, "k": k},
        )
