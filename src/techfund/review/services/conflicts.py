"""回避: why an expert may not review an application, found in bulk for a whole round.

Five rules, each with a concrete reason naming the people and organisations (the office sees every
finding; applicants never see experts):

- SAME_ENTITY — the expert's organisation is the applicant organisation, or its parent or subsidiary
  (``Organisation.parent`` followed both ways, at any depth); an expert without an organisation record
  is matched by the workplace name they gave;
- COLLABORATOR — within ``review.conflict_years`` years of the round's fund year, the expert was in the
  team of another application together with a member of this application's team, or in the team of
  another application of the same applicant organisation (applications that became projects are
  covered: a project is an application);
- SAME_BATCH — the expert is in the team of an application of the same call (this one included);
- DECLARED — a relationship the expert declared, with a member of the team (证件号码, else name and
  workplace when given) or with the applicant organisation;
- EXCLUDED — the applicant asked that this expert not review (name, and workplace when given).

``find_conflicts`` answers for many applications × many experts at once: it reads everything in a
handful of bulk queries and joins through dictionaries keyed by organisation, 证件号码 and name, so
the work grows with the data and the conflicts found, never with applications × experts.
"""

import datetime as dt
import re
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from techfund.applications.models import Application, TeamMember
from techfund.core.enums import Role
from techfund.core.models import Organisation
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.core.xlsx import add_cover_sheet, add_data_sheet, cell, workbook_bytes
from techfund.review.enums import ConflictRule, ExpertStatus
from techfund.review.models import (
    Assignment,
    ConflictFinding,
    Exclusion,
    Expert,
    ExpertRelation,
    ReviewRound,
    RoundResult,
)
from techfund.review.scopes import visible_rounds
from techfund.review.transitions import ASSIGNABLE

#: Bound on the parameters of one ``IN (...)`` list (SQLite's historic limit is 999).
CHUNK = 900
#: Reasons of one rule for one pair are joined; at most this many are spelled out.
MAX_REASONS = 3
REASON_LENGTH = 500

Pair = tuple[int, int]
Found = dict[Pair, list[tuple[str, str]]]

_SPACE = re.compile(r"\s+")
_WIDE = str.maketrans({"（": "(", "）": ")", "·": "", "•": ""})


def normalise_name(value: str) -> str:
    """Names and workplaces compare without whitespace (full-width spaces too) and full-width brackets."""
    return _SPACE.sub("", (value or "").translate(_WIDE)).casefold()


def normalise_id(value: str) -> str:
    return _SPACE.sub("", value or "").upper()


# ---------------------------------------------------------------- reading in bulk


def _pk_list(items) -> list[int] | QuerySet:
    """A queryset stays a subquery; anything else becomes a list of primary keys."""
    if isinstance(items, QuerySet):
        return items.values("pk")
    return [getattr(x, "pk", x) for x in items]


def _rows(qs: QuerySet, field: str, values, *fields) -> list[tuple]:
    """``qs.filter(field__in=values).values_list(*fields)``, in chunks when ``values`` is a list."""
    if isinstance(values, QuerySet):
        return list(qs.filter(**{f"{field}__in": values}).values_list(*fields))
    values = list(values)
    out: list[tuple] = []
    for i in range(0, len(values), CHUNK):
        out.extend(qs.filter(**{f"{field}__in": values[i : i + CHUNK]}).values_list(*fields))
    return out


class _Orgs:
    """Every organisation's parent and name, for the closure of parent/subsidiary links."""

    def __init__(self):
        self.parent: dict[int, int | None] = {}
        self.name: dict[int, str] = {}
        self.by_name: dict[str, list[int]] = defaultdict(list)
        for pk, parent, name in Organisation.objects.values_list("pk", "parent_id", "name"):
            self.parent[pk] = parent
            self.name[pk] = name
            self.by_name[normalise_name(name)].append(pk)
        self._ancestors: dict[int, tuple[int, ...]] = {}

    def ancestors(self, pk: int) -> tuple[int, ...]:
        """The parent, the parent's parent, … (nearest first; a cycle in the data is cut)."""
        got = self._ancestors.get(pk)
        if got is None:
            chain, seen, cur = [], {pk}, self.parent.get(pk)
            while cur is not None and cur not in seen:
                chain.append(cur)
                seen.add(cur)
                cur = self.parent.get(cur)
            got = self._ancestors[pk] = tuple(chain)
        return got


class _App:
    __slots__ = ("pk", "org", "call", "number", "title")

    def __init__(self, pk, org, call, number, title):
        self.pk, self.org, self.call, self.number, self.title = pk, org, call, number, title


class _Exp:
    __slots__ = ("pk", "name", "id_number", "orgs", "workplace")

    def __init__(self, pk, name, id_number, orgs, workplace):
        self.pk, self.name, self.id_number, self.orgs, self.workplace = pk, name, id_number, orgs, workplace


class _Finder:
    def __init__(self, *, fund_year: int | None, conflict_years: int | None):
        self.fund_year = fund_year
        self.conflict_years = conflict_years
        #: (application, expert) → [(rule, reason), …] in the order found (a handful per pair at most).
        self.reasons: dict[Pair, list[tuple[str, str]]] = defaultdict(list)

    def add(self, app_id: int, expert_id: int, rule: str, reason: str) -> None:
        self.reasons[(app_id, expert_id)].append((rule, reason))

    def result(self) -> Found:
        out: Found = {}
        order = {rule: i for i, rule in enumerate(ConflictRule.values)}
        for pair, items in self.reasons.items():
            if len(items) == 1:
                out[pair] = (
                    items
                    if len(items[0][1]) <= REASON_LENGTH
                    else [(items[0][0], items[0][1][:REASON_LENGTH])]
                )
                continue
            by_rule: dict[str, list[str]] = {}
            for rule, text in items:
                texts = by_rule.setdefault(rule, [])
                if text not in texts:
                    texts.append(text)
            merged = []
            for rule in sorted(by_rule, key=order.__getitem__):
                texts = by_rule[rule]
                text = "；".join(texts[:MAX_REASONS])
                if len(texts) > MAX_REASONS:
                    text += _("（另有 %(n)s 项）") % {"n": len(texts) - MAX_REASONS}
                merged.append((rule, text[:REASON_LENGTH]))
            out[pair] = merged
        return out

    # ------------------------------------------------------------ loading

    def load(self, applications, experts) -> None:
        self.orgs = _Orgs()
        app_keys = _pk_list(applications)
        exp_keys = _pk_list(experts)
        self.apps: dict[int, _App] = {
            pk: _App(pk, org, call, number, title)
            for pk, org, call, number, title in _rows(
                Application.objects.all(),
                "pk",
                app_keys,
                "pk",
                "organisation_id",
                "call_id",
                "number",
                "title",
            )
        }
        self.experts: dict[int, _Exp] = {}
        for pk, name, id_number, org, workplace in _rows(
            Expert.objects.all(),
            "pk",
            exp_keys,
            "pk",
            "name",
            "id_number",
            "organisation_id",
            "organisation_name",
        ):
            workplaces = {normalise_name(workplace)} - {""}
            if org is not None:
                orgs = (org,)
                workplaces.add(normalise_name(self.orgs.name.get(org, "")))
            else:
                orgs = (
                    tuple(self.orgs.by_name.get(normalise_name(workplace), ())) if workplace.strip() else ()
                )
            self.experts[pk] = _Exp(pk, name, normalise_id(id_number), orgs, workplaces)
        self.app_ids = list(self.apps)
        # The team of every application checked: 证件号码 → [(application, member name)].
        self.team_by_id: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self.team_by_name: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        for app_id, name, id_number, workplace in _rows(
            TeamMember.objects.all(),
            "application_id",
            self.app_ids,
            "application_id",
            "name",
            "id_number",
            "organisation_name",
        ):
            self.team_by_id[normalise_id(id_number)].append((app_id, name))
            self.team_by_name[normalise_name(name)].append((app_id, name, workplace))
        self.apps_by_org: dict[int, list[int]] = defaultdict(list)
        self.apps_by_call: dict[int, list[int]] = defaultdict(list)
        for a in self.apps.values():
            self.apps_by_org[a.org].append(a.pk)
            self.apps_by_call[a.call].append(a.pk)

    # ------------------------------------------------------------ rules

    def same_entity(self) -> None:
        # under[o]: the applicant organisations that are o or a subsidiary of o (at any depth).
        under: dict[int, list[int]] = defaultdict(list)
        for org in self.apps_by_org:
            for o in (org, *self.orgs.ancestors(org)):
                under[o].append(org)
        names = self.orgs.name
        same = _("专家%(expert)s的工作单位“%(org)s”即申报单位。")
        parent = _("专家%(expert)s的工作单位“%(org)s”是申报单位“%(app_org)s”的上级单位。")
        child = _("专家%(expert)s的工作单位“%(org)s”是申报单位“%(app_org)s”的下属单位。")
        rule = ConflictRule.SAME_ENTITY
        for ex in self.experts.values():
            for eorg in ex.orgs:
                for aorg in under.get(eorg, ()):
                    msg = (same if aorg == eorg else parent) % {
                        "expert": ex.name,
                        "org": names[eorg],
                        "app_org": names[aorg],
                    }
                    for app_id in self.apps_by_org[aorg]:
                        self.add(app_id, ex.pk, rule, msg)
                for anc in self.orgs.ancestors(eorg):
                    app_ids = self.apps_by_org.get(anc)
                    if app_ids:
                        msg = child % {"expert": ex.name, "org": names[eorg], "app_org": names[anc]}
                        for app_id in app_ids:
                            self.add(app_id, ex.pk, rule, msg)

    def _expert_memberships(self) -> list[tuple]:
        """(证件号码, application, call, organisation, created_at, number, title) of every team seat held
        by one of the experts, in any application."""
        ids = sorted({ex.id_number for ex in self.experts.values() if ex.id_number})
        return _rows(
            TeamMember.objects.all(),
            "id_number",
            ids,
            "id_number",
            "application_id",
            "application__call_id",
            "application__organisation_id",
            "application__created_at",
            "application__number",
            "application__title",
        )

    def same_batch_and_collaborators(self) -> None:
        by_id: dict[str, list[_Exp]] = defaultdict(list)
        for ex in self.experts.values():
            if ex.id_number:
                by_id[ex.id_number].append(ex)
        if not by_id:
            return
        seats = self._expert_memberships()
        # SAME_BATCH: an application of the call of an application checked.
        for id_number, app_id, call_id, _org, _at, number, title in seats:
            targets = self.apps_by_call.get(call_id)
            if not targets:
                continue
            for ex in by_id.get(normalise_id(id_number), ()):
                own = _("专家%(expert)s本人是本项目的成员（同批次申报）。") % {"expert": ex.name}
                other = _("专家%(expert)s本人参与了同批次申报项目 %(number)s《%(title)s》。") % {
                    "expert": ex.name,
                    "number": number,
                    "title": title,
                }
                for target in targets:
                    self.add(target, ex.pk, ConflictRule.SAME_BATCH, own if target == app_id else other)
        if self.conflict_years is None or self.fund_year is None:
            return
        since = timezone.make_aware(dt.datetime(self.fund_year - self.conflict_years, 1, 1))
        recent = [s for s in seats if s[4] >= since]
        if not recent:
            return
        # COLLABORATOR (a): another application of the same applicant organisation.
        years = self.conflict_years
        names = self.orgs.name
        for id_number, app_id, _call, org, at, number, title in recent:
            targets = self.apps_by_org.get(org)
            if not targets:
                continue
            for ex in by_id.get(normalise_id(id_number), ()):
                msg = _(
                    "专家%(expert)s近%(years)s年内参与了申报单位“%(org)s”的申报项目 "
                    "%(number)s《%(title)s》（%(year)s年）。"
                ) % {
                    "expert": ex.name,
                    "years": years,
                    "org": names.get(org, ""),
                    "number": number,
                    "title": title,
                    "year": timezone.localtime(at).year,
                }
                for target in targets:
                    if target != app_id:
                        self.add(target, ex.pk, ConflictRule.COLLABORATOR, msg)
        # COLLABORATOR (b): a team mate of that application is in the team of an application checked.
        seat_apps = {s[1]: s for s in recent}
        mates = _rows(
            TeamMember.objects.all(),
            "application_id",
            sorted(seat_apps),
            "application_id",
            "id_number",
            "name",
        )
        experts_on: dict[int, list[_Exp]] = defaultdict(list)
        for id_number, app_id, *_rest in recent:
            experts_on[app_id].extend(by_id.get(normalise_id(id_number), ()))
        together = _(
            "专家%(expert)s近%(years)s年内与本项目成员%(member)s共同参与申报项目 "
            "%(number)s《%(title)s》（%(year)s年）。"
        )
        for app_id, mate_id, mate_name in mates:
            mate_id = normalise_id(mate_id)
            targets = self.team_by_id.get(mate_id)
            if not targets:
                continue
            _id, _app, _call, _org, at, number, title = seat_apps[app_id]
            for ex in experts_on[app_id]:
                if ex.id_number == mate_id:
                    continue
                for target, member_name in targets:
                    if target == app_id:
                        continue
                    self.add(
                        target,
                        ex.pk,
                        ConflictRule.COLLABORATOR,
                        together
                        % {
                            "expert": ex.name,
                            "years": years,
                            "member": member_name or mate_name,
                            "number": number,
                            "title": title,
                            "year": timezone.localtime(at).year,
                        },
                    )

    def declared(self) -> None:
        rows = _rows(
            ExpertRelation.objects.all(),
            "expert_id",
            list(self.experts),
            "expert_id",
            "kind",
            "person_name",
            "person_id_number",
            "person_organisation",
            "organisation_id",
        )
        kinds = dict(ExpertRelation._meta.get_field("kind").choices)
        names = self.orgs.name
        with_member = _("专家%(expert)s申报的利益关系：与本项目成员%(person)s为“%(kind)s”。")
        with_org = _("专家%(expert)s申报的利益关系：与申报单位“%(org)s”为“%(kind)s”。")
        for expert_id, kind, person, person_id, person_org, org in rows:
            ex = self.experts[expert_id]
            label = str(kinds.get(kind, kind))
            person_id = normalise_id(person_id)
            if person_id:
                hits = [(a, n) for a, n in self.team_by_id.get(person_id, ())]
            elif person.strip():
                want_org = normalise_name(person_org)
                hits = [
                    (a, n)
                    for a, n, workplace in self.team_by_name.get(normalise_name(person), ())
                    if not want_org
                    or want_org == normalise_name(workplace or names.get(self.apps[a].org, ""))
                ]
            else:
                hits = []
            for app_id, member_name in hits:
                self.add(
                    app_id,
                    ex.pk,
                    ConflictRule.DECLARED,
                    with_member % {"expert": ex.name, "person": member_name, "kind": label},
                )
            if org is not None:
                for app_id in self.apps_by_org.get(org, ()):
                    self.add(
                        app_id,
                        ex.pk,
                        ConflictRule.DECLARED,
                        with_org % {"expert": ex.name, "org": names.get(org, ""), "kind": label},
                    )

    def excluded(self) -> None:
        by_name: dict[str, list[_Exp]] = defaultdict(list)
        for ex in self.experts.values():
            by_name[normalise_name(ex.name)].append(ex)
        rows = _rows(
            Exclusion.objects.all(),
            "application_id",
            self.app_ids,
            "application_id",
            "name",
            "organisation_name",
            "reason",
        )
        with_org = _("申报单位申请专家%(name)s（%(org)s）回避：%(reason)s")
        without_org = _("申报单位申请专家%(name)s回避：%(reason)s")
        for app_id, name, org_name, reason in rows:
            want_org = normalise_name(org_name)
            for ex in by_name.get(normalise_name(name), ()):
                if want_org and want_org not in ex.workplace:
                    continue
                msg = with_org if org_name.strip() else without_org
                self.add(
                    app_id,
                    ex.pk,
                    ConflictRule.EXCLUDED,
                    msg % {"name": ex.name, "org": org_name.strip(), "reason": reason},
                )

    def run(self, applications, experts) -> Found:
        self.load(applications, experts)
        if self.apps and self.experts:
            self.same_entity()
            self.same_batch_and_collaborators()
            self.declared()
            self.excluded()
        return self.result()


def conflict_years(profile) -> int | None:
    """``review.conflict_years`` of a policy profile (None when the profile does not set it)."""
    value = profile.rule("review.conflict_years") if profile is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _finder_for(round_: ReviewRound) -> _Finder:
    fund_year = round_.call.fund_year
    return _Finder(fund_year=fund_year.year, conflict_years=conflict_years(fund_year.profile))


def find_conflicts(round_: ReviewRound, applications, experts) -> Found:
    """(application id, expert id) → [(rule, reason)] for every pair that conflicts (others are absent).

    ``applications`` and ``experts`` are querysets (used as subqueries) or iterables of records or
    primary keys. One entry per rule per pair; several reasons of one rule are joined."""
    round_ = ReviewRound.objects.select_related("call__fund_year__profile").get(pk=round_.pk)
    return _finder_for(round_).run(applications, experts)


def pair_conflicts(expert: Expert, application: Application, round_: ReviewRound | None = None) -> list:
    """[(rule, reason)] why ``expert`` may not review ``application`` (empty when nothing is known).

    Without a round, the fund year is the application's call's."""
    if round_ is not None:
        finder = _finder_for(ReviewRound.objects.select_related("call__fund_year__profile").get(pk=round_.pk))
    else:
        fund_year = (
            Application.objects.select_related("call__fund_year__profile")
            .get(pk=application.pk)
            .call.fund_year
        )
        finder = _Finder(fund_year=fund_year.year, conflict_years=conflict_years(fund_year.profile))
    return finder.run([application.pk], [expert.pk]).get((application.pk, expert.pk), [])


def _id_set(items) -> set[int] | None:
    if items is None:
        return None
    if isinstance(items, QuerySet):
        return set(items.values_list("pk", flat=True))
    return {getattr(x, "pk", x) for x in items}


@transaction.atomic
def record_conflicts(round_: ReviewRound, found: Found, *, applications=None, experts=None) -> int:
    """Store ``found`` as the round's findings and return how many rows were written.

    Without ``applications``/``experts`` every finding of the round is replaced; with them only the
    findings of those applications × experts (what was checked) are, and those of the pairs in
    ``found``. Callers check permissions (this is the engine's bookkeeping, not an office action)."""
    old = ConflictFinding.objects.filter(round_id=round_.pk)
    app_ids, expert_ids = _id_set(applications), _id_set(experts)
    table = connection.ops.quote_name(ConflictFinding._meta.db_table)
    if app_ids is None and expert_ids is None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE round_id = %s", [round_.pk])  # noqa: S608 - our table
    else:
        # The round's findings are read once and sorted out here: those of the pairs checked, and those
        # of the pairs in ``found``, go.
        def stale(a: int, e: int) -> bool:
            checked = (app_ids is None or a in app_ids) and (expert_ids is None or e in expert_ids)
            return checked or (a, e) in found

        pks = [pk for pk, a, e in old.values_list("pk", "application_id", "expert_id") if stale(a, e)]
        with connection.cursor() as cursor:
            for i in range(0, len(pks), CHUNK):
                chunk = pks[i : i + CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {table} WHERE id IN ({marks})", chunk)  # noqa: S608 - our table
    # Plain deletes and inserts: at 10,000 applications × 4,000 experts there may be hundreds of
    # thousands of findings, and a model instance for each costs far more than the statement itself.
    meta = ConflictFinding._meta
    columns = [
        meta.get_field(f).column for f in ("round", "application", "expert", "rule", "reason", "found_at")
    ]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (round_.pk, a, e, rule, reason[:REASON_LENGTH], now)
        for (a, e), items in found.items()
        for rule, reason in items
    ]
    head = "INSERT INTO {} ({}) VALUES ".format(
        table, ", ".join(connection.ops.quote_name(c) for c in columns)
    )
    one = "({})".format(", ".join(["%s"] * len(columns)))
    size = max(1, min(1000, connection.ops.bulk_batch_size(columns, rows) if rows else 1))
    with connection.cursor() as cursor:
        for i in range(0, len(rows), size):
            batch = rows[i : i + size]
            cursor.execute(head + ", ".join([one] * len(batch)), [v for r in batch for v in r])
    return len(rows)


# ---------------------------------------------------------------- who may be drawn


def round_period(round_: ReviewRound) -> tuple[dt.date, dt.date]:
    """The round's review period; a missing start is today, a missing end the start."""
    start = round_.starts_on or timezone.localdate()
    end = round_.ends_on or start
    return start, max(start, end)


def measure_in_force(on: dt.date) -> Q:
    """Experts under a suspension or ban on ``on`` (an open-ended measure is always in force)."""
    return ~Q(status=ExpertStatus.ACTIVE) & (Q(status_until__isnull=True) | Q(status_until__gte=on))


def eligible_experts(round_: ReviewRound) -> QuerySet[Expert]:
    """Experts who may be drawn for the round: account active and holding the expert role, not under a
    suspension or ban at the start of the round (one whose period ended before it counts as active), and
    available during the round (an availability window overlapping it, or no window at all)."""
    start, end = round_period(round_)
    qs = Expert.objects.filter(
        user__is_active=True, user__grants__role=Role.EXPERT, user__grants__revoked_at__isnull=True
    ).exclude(measure_in_force(start))
    windows = Q(availability__isnull=True) | Q(
        availability__starts_on__lte=end, availability__ends_on__gte=start
    )
    return Expert.objects.filter(pk__in=qs.filter(windows).values("pk"))


# ---------------------------------------------------------------- the office's check of a round


def round_applications(round_: ReviewRound) -> QuerySet[Application]:
    """The applications a round may review: its call's applications that passed the formal check or are
    in review, those in the previous round's results, and those already assigned in it."""
    q = Q(call_id=round_.call_id, state__in=ASSIGNABLE) | Q(
        pk__in=Assignment.objects.filter(round_id=round_.pk).values("application_id")
    )
    if round_.previous_id:
        q |= Q(pk__in=RoundResult.objects.filter(round_id=round_.previous_id).values("application_id"))
    return Application.objects.filter(q)


@transaction.atomic
def check_round_conflicts(round_: ReviewRound, *, actor) -> int:
    """回避检查: find every conflict between the round's applications and the whole pool and store them
    as the round's findings (replacing the previous check). Returns how many were found."""
    round_ = ReviewRound.objects.select_for_update(of=("self",)).get(pk=round_.pk)
    role = require(actor, "review.check_conflicts", round_, visible=visible_rounds(actor))
    applications = round_applications(round_)
    experts = Expert.objects.all()
    found = find_conflicts(round_, applications, experts)
    count = record_conflicts(round_, found)
    audit.record(
        "review.conflicts.checked",
        actor=actor,
        role=role,
        target=round_,
        data={
            "applications": applications.count(),
            "experts": experts.count(),
            "pairs": len(found),
            "findings": count,
        },
    )
    return count


def application_conflicts(application: Application) -> Found:
    """Every conflict of one application with the whole pool (the fund year of its call)."""
    fund_year = (
        Application.objects.select_related("call__fund_year__profile").get(pk=application.pk).call.fund_year
    )
    finder = _Finder(fund_year=fund_year.year, conflict_years=conflict_years(fund_year.profile))
    return finder.run([application.pk], Expert.objects.all())


EXPORT_COLUMNS = (
    (gettext_lazy("申报编号"), 16),
    (gettext_lazy("项目名称"), 36),
    (gettext_lazy("专家"), 12),
    (gettext_lazy("专家工作单位"), 28),
    (gettext_lazy("回避规则"), 24),
    (gettext_lazy("回避理由"), 80),
    (gettext_lazy("检查时间"), 18),
)


def export_conflicts(round_: ReviewRound, findings, *, actor, rule: str = "") -> tuple[bytes, int]:
    """An xlsx of the round's findings (``findings``: the rows to export, as filtered on the page)."""
    role = require(actor, "review.view_conflicts", round_, visible=visible_rounds(actor))
    wb = Workbook(write_only=True)
    ws = add_data_sheet(wb, _("回避情况"), [(str(h), w) for h, w in EXPORT_COLUMNS], freeze="A2")
    labels = dict(ConflictRule.choices)
    rows = 0
    for f in findings.select_related("application", "expert").iterator(chunk_size=2000):
        ws.append(
            [
                cell(ws, v)
                for v in (
                    f.application.number,
                    f.application.title,
                    f.expert.name,
                    f.expert.organisation_name,
                    str(labels.get(f.rule, f.rule)),
                    f.reason,
                    timezone.localtime(f.found_at).strftime("%Y-%m-%d %H:%M"),
                )
            ]
        )
        rows += 1
    cover = [
        (_("评审轮次"), f"{round_.call.code} {round_.name}"),
        (_("回避规则"), str(labels[rule]) if rule else _("全部")),
        (_("导出人"), f"{actor.get_username()}（{actor}）"),
        (_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")),
    ]
    add_cover_sheet(wb, cover, count=rows)
    with transaction.atomic():
        audit.record(
            "review.conflicts.exported",
            actor=actor,
            role=role,
            target=round_,
            data={"rows": rows, "rule": rule},
        )
    return workbook_bytes(wb), rows
