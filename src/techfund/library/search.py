"""项目库的全文检索 — Chinese full-text search over the applications a person may see.

Segmentation
    jieba (``cut_for_search``: words and the shorter dictionary words inside them) after NFKC
    normalisation (full-width → half-width) and lower-casing; whitespace and punctuation are dropped.
    jieba loads its dictionary once per process, lazily and under a lock (about 1.5 s).

Index (``SearchEntry``, one row per application)
    title, keywords, and everything searchable — title, abstract, keywords, organisation name, team
    leads' names, application number — as space-separated tokens. On PostgreSQL the same tokens form
    a weighted ``tsvector`` with the ``simple`` configuration (title A, keywords B, rest D; GIN index).
    Rows are refreshed after every commit that saves an application (``apps.py``), by the
    applications services (``index_application``) and by ``manage.py reindex_library``.

Query
    The query is segmented the same way; a word whose characters are all covered by shorter words of
    the query is replaced by them (“生物医药” → 生物 & 医药, so it finds “海洋生物医药”, which jieba
    cuts as 海洋生物 / 医药), and common function words (的, 与, 和 …) are dropped. Every remaining
    term must occur (AND). PostgreSQL: ``vector @@ plainto_tsquery('simple', terms)`` ranked with
    ``ts_rank``; SQLite: ``tokens`` contains `` term `` for every term, ranked by the number of terms
    in the title (then in the keywords). Ties, and searches without text, go newest first.

Figures used by the filters (``with_figures``)
    ``effective_amount``: the amount the leading group decided (``ProposalItem.decided_amount`` of
    an item approved, in publicity or final) when there is one, otherwise the requested amount.
    ``effective_support_mode``: the support mode of the application's live proposal item (proposed or
    decided, not rejected or withdrawn) when there is one, otherwise the mode the applicant asked for.
    Applicants see a decision only once it is public: for them only items in publicity or final
    count (a decision before 公示 is the government's internal business).
"""

import logging
import threading
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction
from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from techfund.applications.enums import TeamRole
from techfund.applications.models import Application, TeamMember
from techfund.core import segmentation
from techfund.decisions.enums import ItemState
from techfund.decisions.models import ProposalItem
from techfund.library.models import SearchEntry
from techfund.library.scopes import sees_internal, visible_applications

logger = logging.getLogger(__name__)

#: Longest query text considered, and most terms used from it.
MAX_QUERY_CHARS = 200
MAX_TERMS = 16
#: Function words that a query does not require (the index keeps them).
STOPWORDS = frozenset("的地得了和与及或等之其在对于以为而并从由是") | {"及其", "以及", "关于", "基于"}

#: Proposal items whose decided amount is the project's amount.
AWARDED_ITEM_STATES = (ItemState.APPROVED, ItemState.IN_PUBLICITY, ItemState.FINAL)
#: Proposal items still alive (at most one per application, a database constraint).
LIVE_ITEM_STATES = (ItemState.PROPOSED, *AWARDED_ITEM_STATES)
#: Proposal items an applicant sees (the decision is public).
PUBLIC_ITEM_STATES = (ItemState.IN_PUBLICITY, ItemState.FINAL)

# ---------------------------------------------------------------- segmentation

_tokenizer = segmentation.tokenizer  # one jieba dictionary per process


def _normalise(text) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).lower()


def segment(text) -> list[str]:
    """The search tokens of ``text`` in order (duplicates kept): jieba ``cut_for_search`` words,
    lower-cased, without whitespace and punctuation."""
    text = _normalise(text)
    if not text.strip():
        return []
    out = []
    for token in _tokenizer().cut_for_search(text):
        for part in token.split():
            if any(ch.isalnum() for ch in part):
                out.append(part)
    return out


def _covered(term: str, others: Iterable[str]) -> bool:
    """Whether every character of ``term`` lies inside an occurrence of a shorter term."""
    marks = [False] * len(term)
    for other in others:
        if len(other) >= len(term):
            continue
        start = term.find(other)
        while start != -1:
            for i in range(start, start + len(other)):
                marks[i] = True
            start = term.find(other, start + 1)
    return all(marks)


def query_terms(q) -> list[str]:
    """The terms a query requires (all of them): its tokens, minus function words and minus words
    made up entirely of shorter tokens of the query."""
    tokens = list(dict.fromkeys(segment(str(q or "")[:MAX_QUERY_CHARS])))
    content = [t for t in tokens if t not in STOPWORDS] or tokens
    terms = [t for t in content if not _covered(t, content)]
    return terms[:MAX_TERMS]


def _joined(tokens: Iterable[str]) -> str:
    unique = list(dict.fromkeys(tokens))
    return f" {' '.join(unique)} " if unique else ""


# ---------------------------------------------------------------- indexing

#: The weighted tsvector of a row, from its token columns (PostgreSQL).
VECTOR = (
    SearchVector("title_tokens", config="simple", weight="A")
    + SearchVector("keyword_tokens", config="simple", weight="B")
    + SearchVector("tokens", config="simple", weight="D")
)


def document(application: Application, lead_names: Iterable[str] = ()) -> dict[str, str]:
    """The token columns of ``application`` (its organisation should be loaded with it)."""
    title = segment(application.title)
    keywords = [tok for kw in (application.keywords or []) for tok in segment(kw)]
    rest = [*title, *keywords, *segment(application.abstract), *segment(application.organisation.name)]
    for name in lead_names:
        rest += segment(name)
        rest.append("".join(_normalise(name).split()))
    number = "".join(_normalise(application.number).split())
    rest += [*segment(number), number]
    return {
        "title_tokens": _joined(title),
        "keyword_tokens": _joined(keywords),
        "tokens": _joined(t for t in rest if t),
    }


def _lead_names(application_ids) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    rows = (
        TeamMember.objects.filter(application_id__in=application_ids, role=TeamRole.LEAD)
        .order_by("application_id", "order", "id")
        .values_list("application_id", "name")
    )
    for app_id, name in rows:
        names.setdefault(app_id, []).append(name)
    return names


def _set_vectors(pks) -> None:
    if connection.vendor == "postgresql":
        SearchEntry.objects.filter(pk__in=pks).update(vector=VECTOR)


def index_application(application) -> SearchEntry | None:
    """Rebuild the index row of one application (an instance or its id) from what is stored now.

    Safe to call at any time and more than once; an application that no longer exists loses its row.
    Services call it through ``transaction.on_commit`` so it reads the committed data.
    """
    pk = getattr(application, "pk", application)
    app = Application.objects.select_related("organisation").filter(pk=pk).first()
    if app is None:
        SearchEntry.objects.filter(pk=pk).delete()
        return None
    fields = document(app, _lead_names([pk]).get(pk, []))
    with transaction.atomic():
        entry, _created = SearchEntry.objects.update_or_create(application_id=pk, defaults=fields)
        _set_vectors([pk])
    return entry


_pending = threading.local()


def _index_quietly(pks) -> None:
    """Index each application; a failure is logged (the change itself is committed) and the rest go on."""
    for pk in sorted(pks):
        try:
            index_application(pk)
        except Exception:
            logger.exception("project library: indexing application %s failed", pk)


def schedule_index(application_id: int) -> None:
    """Index the application once the current transaction commits (at once outside a transaction).

    However many times a transaction saves an application (a draft saves the application and
    replaces its team rows), it is indexed once after the commit: one callback per transaction
    collects the ids. A rolled-back transaction drops its callback, and the next one starts afresh.
    """
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        _index_quietly([application_id])
        return
    state = getattr(_pending, "state", None)
    queued = (
        state is not None
        and not state["done"]
        and any(func is state["flush"] for _sids, func, _robust in conn.run_on_commit)
    )
    if not queued:
        state = {"ids": set(), "done": False}

        def flush(state=state) -> None:
            state["done"] = True
            _index_quietly(state["ids"])

        state["flush"] = flush
        _pending.state = state
        transaction.on_commit(flush)
    state["ids"].add(application_id)


def reindex(
    applications: QuerySet[Application] | None = None,
    *,
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild the rows of ``applications`` (default: all) in batches; returns how many were indexed.

    ``progress(done, total)`` is called after each batch.
    """
    base = Application.objects.all() if applications is None else applications
    total = base.count()
    done, last = 0, 0
    update_fields = ["title_tokens", "keyword_tokens", "tokens", "updated_at"]
    while True:
        apps = list(base.select_related("organisation").filter(pk__gt=last).order_by("pk")[:batch_size])
        if not apps:
            break
        pks = [a.pk for a in apps]
        leads = _lead_names(pks)
        rows = [SearchEntry(application_id=a.pk, **document(a, leads.get(a.pk, []))) for a in apps]
        with transaction.atomic():
            SearchEntry.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["application"], update_fields=update_fields
            )
            _set_vectors(pks)
        done += len(apps)
        last = pks[-1]
        if progress is not None:
            progress(done, max(total, done))
    return done


def reindex_all(batch_size: int = 500, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild every application's row (``manage.py reindex_library``)."""
    return reindex(batch_size=batch_size, progress=progress)


def schedule_organisation_reindex(organisation_id: int) -> None:
    """Re-index an organisation's applications (its name is searchable) once the transaction commits."""

    def run() -> None:
        try:
            reindex(Application.objects.filter(organisation_id=organisation_id))
        except Exception:
            logger.exception("project library: re-indexing organisation %s failed", organisation_id)

    transaction.on_commit(run)


# ---------------------------------------------------------------- searching


def with_figures(qs: QuerySet[Application], *, internal: bool = True) -> QuerySet[Application]:
    """``qs`` with ``decided_amount``, ``effective_amount`` and ``effective_support_mode`` (see
    above); ``internal=False`` (applicants) counts public decisions only."""
    items = ProposalItem.objects.filter(application=OuterRef("pk"))
    awarded = AWARDED_ITEM_STATES if internal else PUBLIC_ITEM_STATES
    live = LIVE_ITEM_STATES if internal else PUBLIC_ITEM_STATES
    decided = Subquery(
        items.filter(state__in=awarded).order_by("-pk").values("decided_amount")[:1],
        output_field=Application._meta.get_field("requested_amount"),
    )
    mode = Subquery(
        items.filter(state__in=live).order_by("-pk").values("support_mode")[:1],
        output_field=Application._meta.get_field("support_mode"),
    )
    return qs.annotate(
        decided_amount=decided,
        effective_amount=Coalesce(decided, F("requested_amount")),
        effective_support_mode=Coalesce(mode, F("support_mode")),
    )


def records(user) -> QuerySet[Application]:
    """The applications ``user`` may see, with their figures (as ``user`` may see them) and with
    organisation, department, call, focus area and fund year loaded."""
    return with_figures(visible_applications(user), internal=sees_internal(user)).select_related(
        "organisation", "department", "call__focus_area", "call__fund_year"
    )


#: Orders of the results: key → (label, order_by). "relevance" falls back to newest without text.
NEWEST = (F("submitted_at").desc(nulls_last=True), F("created_at").desc())
ORDERS = {
    "relevance": (_("相关度"), ("-relevance", *NEWEST)),
    "newest": (_("提交时间（新→旧）"), NEWEST),
    "oldest": (_("提交时间（旧→新）"), (F("submitted_at").asc(nulls_last=True), F("created_at").asc())),
    "number": (_("申报编号"), ("number",)),
    "title": (_("项目名称"), ("title",)),
    "amount_desc": (_("金额（高→低）"), ("-effective_amount",)),
    "amount_asc": (_("金额（低→高）"), ("effective_amount",)),
}


def order_choices() -> list[tuple[str, object]]:
    return [(key, label) for key, (label, _fields) in ORDERS.items()]


def _match(qs: QuerySet[Application], terms: list[str]) -> QuerySet[Application]:
    if connection.vendor == "postgresql":
        query = SearchQuery(" ".join(terms), config="simple", search_type="plain")
        return qs.filter(search_entry__vector=query).annotate(
            relevance=SearchRank(F("search_entry__vector"), query)
        )
    cond = Q()
    for term in terms:
        cond &= Q(search_entry__tokens__contains=f" {term} ")
    # Title hits first, then keyword hits (at most MAX_TERMS of each, so the sum keeps that order).
    score = Value(0)
    for term in terms:
        score = score + Case(
            When(search_entry__title_tokens__contains=f" {term} ", then=Value(100)), default=Value(0)
        )
        score = score + Case(
            When(search_entry__keyword_tokens__contains=f" {term} ", then=Value(1)), default=Value(0)
        )
    return qs.filter(cond).annotate(relevance=ExpressionWrapper(score, output_field=IntegerField()))


def search(
    user,
    q: str = "",
    *,
    year: int | None = None,
    focus_area: str | None = None,
    department: str | None = None,
    state: str | None = None,
    establishment_mode: str | None = None,
    support_mode: str | None = None,
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    order: str = "relevance",
) -> QuerySet[Application]:
    """The applications ``user`` may see that match, in ``order`` (a key of ``ORDERS``).

    ``focus_area`` and ``department`` are codes; amounts compare with ``effective_amount``.
    Rows carry ``relevance`` (only when there is text to match), ``decided_amount``,
    ``effective_amount`` and ``effective_support_mode``, with organisation, department, call, focus
    area and fund year loaded.
    """
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}")
    qs = records(user)
    if year:
        qs = qs.filter(call__fund_year__year=year)
    if focus_area:
        qs = qs.filter(call__focus_area__code=focus_area)
    if department:
        qs = qs.filter(department__code=department)
    if state:
        qs = qs.filter(state=state)
    if establishment_mode:
        qs = qs.filter(call__establishment_mode=establishment_mode)
    if support_mode:
        qs = qs.filter(effective_support_mode=support_mode)
    if amount_min is not None:
        qs = qs.filter(effective_amount__gte=amount_min)
    if amount_max is not None:
        qs = qs.filter(effective_amount__lte=amount_max)
    terms = query_terms(q)
    if terms:
        qs = _match(qs, terms)
    fields = ORDERS[order][1]
    if order == "relevance" and not terms:
        fields = NEWEST
    return qs.order_by(*fields, "pk")
