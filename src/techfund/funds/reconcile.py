"""对账: reconcile one fund year's ledger with itself and with the records that moved its money.

``reconcile(fund_year) -> Report`` runs a fixed list of named checks. Each check states what was
expected and what was found (amounts in yuan, or counts of broken records), the difference, and the
offending records. The year reconciles when every check's difference is zero and nothing offends.

The checks read the ledger by account *code* and *kind* (see ``funds/accounts.py``,
``projects/accounts.py``), so they cover the money of every support mode, including modes added
later, without knowing their models:

- ``fund:{year}:source:…``       where the money came from (negative by design)
- ``fund:{year}:pool``           unallocated; ``area:{code}`` allocated; ``reserved:{code}`` proposed
- ``fund:{year}:commitment:{n}`` arranged for project n, unpaid; ``disbursed:{n}`` paid, less returns
- ``fund:{year}:riskpool:{bank}`` / ``riskpaid:{bank}``, ``income:…``, ``written_off:{n}`` …

The records (contributions, allocations, projects, payments of every mode, recoveries, releases,
treasury instructions) are read in aggregate: GROUP BY queries, plus one scan of the payment records
and one of the postings into disbursed accounts (compared record by record in Python) — a fixed number
of queries whatever the year's size, never one per project, so a year of 100,000 payments reconciles
in about 2 seconds on SQLite and PostgreSQL alike (bench/payments.py measures it).

Money flows are read from the ledger as a flow matrix ``(from account, to account, entry code) →
amount``: a two-line entry is one flow; an entry of more lines (rare) is split in Python, pairing each
outflow with the inflows in order.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal

from django.apps import apps
from django.db import connection
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.core.enums import AccountKind
from techfund.core.models import Account, JournalEntry, Posting

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
#: Sums compared in SQL differ when they differ by a fen or more (SQLite adds decimals as floats).
HALF_CENT = Decimal("0.005")
#: At most this many offending records are listed per check (the count is always exact).
MAX_OFFENDERS = 200

#: The ledger code of a recovery receipt (disbursed → pool); other outflows of a project's disbursed
#: account are returns (equity exits, …) or write-offs (to a ``written_off`` account).
RECOVERY_CODE = "sanctions.recovery.received"
RELEASE_CODE = "sanctions.termination.released"

LABELS = {
    "entries_balanced": gettext_lazy("每笔凭证借贷平衡"),
    "entries_within_year": gettext_lazy("凭证只记本年度科目"),
    "no_overdraft": gettext_lazy("无科目透支"),
    "trial_balance": gettext_lazy(
        "试算平衡：来源（含投资收益）= 资金池 + 各领域 + 待安排 + 承诺 + 已拨付 + 其他科目"
    ),
    "sources_recorded": gettext_lazy("来源科目与已登记的资金来源一致"),
    "allocations_posted": gettext_lazy("已审定的领域配置均已入账"),
    "reserved_items": gettext_lazy("待安排余额 = 已报送未安排的立项建议"),
    "areas": gettext_lazy("领域配置 = 领域余额 + 待安排 + 项目净承诺 + 风险补偿资金池 + 其他"),
    "projects_arranged": gettext_lazy("项目安排金额 = 已拨付 + 未拨付 + 已释放"),
    "projects_disbursed": gettext_lazy("项目已拨付余额 = 拨付 − 追回 − 退回 − 核销"),
    "payments_posted": gettext_lazy("各支持方式的拨付记录 = 记入已拨付科目的金额"),
    "recoveries_posted": gettext_lazy("追回缴回记录 = 追回入账金额"),
    "releases_posted": gettext_lazy("终止释放记录 = 释放入账金额"),
    "treasury_confirmed": gettext_lazy("每笔国库已支付指令恰有一笔凭证和一条相符的确认"),
    "entries_referenced_once": gettext_lazy("每笔凭证都有且只有一条业务记录（无重复记账、无无据记账）"),
    "risk_pool": gettext_lazy("风险补偿：注资、代偿和银行追回记录 = 资金池入账金额"),
    "equity_exits": gettext_lazy("股权退出和核销记录 = 收回本金、投资收益和核销入账金额"),
}


@dataclasses.dataclass
class Check:
    code: str
    expected: Decimal | int
    actual: Decimal | int
    #: ``[{"record": "...", "expected": …, "actual": …, "difference": …, "note": "..."}]``
    offenders: list[dict] = dataclasses.field(default_factory=list)
    #: how many records offend (``offenders`` lists at most ``MAX_OFFENDERS`` of them)
    offending: int = 0
    #: the parts the actual figure is made of, for the reader: ``[(label, amount)]``
    parts: list[tuple[str, Decimal]] = dataclasses.field(default_factory=list)
    #: why the check did not apply (e.g. the mode's app has no records yet); a skipped check is ok
    skipped: str = ""

    @property
    def label(self) -> str:
        return str(LABELS.get(self.code, self.code))

    @property
    def difference(self):
        return self.actual - self.expected

    @property
    def ok(self) -> bool:
        return self.difference == 0 and self.offending == 0


@dataclasses.dataclass
class Report:
    year: int
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def __getitem__(self, code: str) -> Check:
        for c in self.checks:
            if c.code == code:
                return c
        raise KeyError(code)

    def text(self, *, offenders: int = 5) -> str:
        """The report as lines of text (the management command prints it; tests show it on failure)."""
        lines = [
            _("%(year)s年度资金对账：%(result)s")
            % {"year": self.year, "result": _("通过") if self.ok else _("不通过")}
        ]
        for c in self.checks:
            mark = "OK  " if c.ok else "FAIL"
            extra = f" ({c.skipped})" if c.skipped else ""
            lines.append(
                f"{mark} {c.code}: {c.label} — {_('应为')} {_num(c.expected)}, {_('实为')} {_num(c.actual)}, "
                f"{_('差额')} {_num(c.difference)}, {_('不符记录')} {c.offending}{extra}"
            )
            for o in c.offenders[:offenders]:
                lines.append(
                    f"       {o['record']}: {_('应为')} {_num(o.get('expected'))}, {_('实为')} "
                    f"{_num(o.get('actual'))} {o.get('note', '')}".rstrip()
                )
        return "\n".join(lines)

    def xlsx(self) -> bytes:
        """The report as an Excel workbook: one row per check, then one row per offending record."""
        from openpyxl import Workbook

        from techfund.core import xlsx

        wb = Workbook(write_only=True)
        ws = xlsx.add_data_sheet(
            wb,
            _("对账结果"),
            [
                (_("检查"), 24),
                (_("说明"), 60),
                (_("应为"), 18),
                (_("实为"), 18),
                (_("差额"), 18),
                (_("不符记录数"), 12),
                (_("结果"), 10),
                (_("备注"), 30),
            ],
            freeze="A2",
        )
        for c in self.checks:
            ws.append(
                [
                    xlsx.cell(ws, v)
                    for v in (
                        c.code,
                        c.label,
                        _cellnum(c.expected),
                        _cellnum(c.actual),
                        _cellnum(c.difference),
                        c.offending,
                        _("通过") if c.ok else _("不通过"),
                        c.skipped,
                    )
                ]
            )
        ws = xlsx.add_data_sheet(
            wb,
            _("不符记录"),
            [
                (_("检查"), 24),
                (_("记录"), 40),
                (_("应为"), 18),
                (_("实为"), 18),
                (_("差额"), 18),
                (_("说明"), 50),
            ],
            freeze="A2",
        )
        rows = 0
        for c in self.checks:
            for o in c.offenders:
                rows += 1
                ws.append(
                    [
                        xlsx.cell(ws, v)
                        for v in (
                            c.code,
                            str(o["record"]),
                            _cellnum(o.get("expected")),
                            _cellnum(o.get("actual")),
                            _cellnum(o.get("difference")),
                            str(o.get("note", "")),
                        )
                    ]
                )
        xlsx.add_cover_sheet(
            wb, [(_("年度"), str(self.year)), (_("结果"), _("通过") if self.ok else _("不通过"))], count=rows
        )
        return xlsx.workbook_bytes(wb)


def _num(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, Decimal):
        return f"{v:,.2f}"
    return str(v)


def _cellnum(v):
    return float(v) if isinstance(v, Decimal) else v


def _q(v) -> Decimal:
    """A sum read from the database as yuan to the fen (SQLite may hand back a float or an int)."""
    if v is None:
        return ZERO
    return (v if isinstance(v, Decimal) else Decimal(str(v))).quantize(CENT)


def _offender(record, expected, actual, note="") -> dict:
    return {
        "record": str(record),
        "expected": expected,
        "actual": actual,
        "difference": actual - expected,
        "note": note,
    }


def _mismatch_check(code: str, expected: dict, actual: dict, *, note=lambda key: "") -> Check:
    """A check comparing two ``{key: amount}`` maps key by key (missing keys count as zero)."""
    offenders = []
    for key in sorted(set(expected) | set(actual), key=str):
        e, a = expected.get(key, ZERO), actual.get(key, ZERO)
        if e != a:
            offenders.append(_offender(key, e, a, note(key)))
    return Check(
        code,
        expected=sum(expected.values(), ZERO),
        actual=sum(actual.values(), ZERO),
        offenders=offenders[:MAX_OFFENDERS],
        offending=len(offenders),
    )


# --------------------------------------------------------------------------------------------------
# The ledger, read once


class Ledger:
    """The year's accounts, their balances and the flow matrix, each read by one aggregate query."""

    def __init__(self, year: int):
        self.year = year
        self.accounts = {
            r["id"]: r
            for r in Account.objects.filter(year=year).values("id", "code", "kind", "may_go_negative")
        }
        self.by_code = {r["code"]: i for i, r in self.accounts.items()}
        self.balance: dict[int, Decimal] = defaultdict(lambda: ZERO)
        self.inflow: dict[int, Decimal] = defaultdict(lambda: ZERO)
        self.outflow: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for r in (
            Posting.objects.filter(account__year=year)
            .values("account_id")
            .annotate(
                s=Sum("amount"),
                i=Sum("amount", filter=Q(amount__gt=0)),
                o=Sum("amount", filter=Q(amount__lt=0)),
            )
        ):
            self.balance[r["account_id"]] = _q(r["s"])
            self.inflow[r["account_id"]] = _q(r["i"])
            self.outflow[r["account_id"]] = -_q(r["o"])
        self.flows = self._flows()

    def _flows(self) -> list[tuple[int, int, str, Decimal]]:
        """``[(from account, to account, entry code, amount)]`` summed over the year's entries."""
        p, e = Posting._meta.db_table, JournalEntry._meta.db_table
        multi = list(
            Posting.objects.filter(entry__year=self.year)
            .values("entry_id")
            .annotate(n=Count("id"))
            .filter(n__gt=2)
            .values_list("entry_id", flat=True)
        )
        sql = (
            f"SELECT a.account_id, b.account_id, e.code, SUM(b.amount) "
            f"FROM {p} a JOIN {p} b ON b.entry_id = a.entry_id JOIN {e} e ON e.id = a.entry_id "
            f"WHERE e.year = %s AND a.amount < 0 AND b.amount > 0"
        )
        params: list = [self.year]
        if multi:
            sql += f" AND a.entry_id NOT IN ({', '.join(['%s'] * len(multi))})"
            params += multi
        sql += " GROUP BY a.account_id, b.account_id, e.code"
        with connection.cursor() as cur:
            cur.execute(sql, params)
            out = [(a, b, code, _q(s)) for a, b, code, s in cur.fetchall()]
        # Entries of more than two lines: pair each outflow with the inflows, in order.
        lines = defaultdict(list)
        codes = {}
        for entry_id, account_id, amount, code in (
            Posting.objects.filter(entry_id__in=multi)
            .values_list("entry_id", "account_id", "amount", "entry__code")
            .order_by("entry_id", "id")
        ):
            lines[entry_id].append([account_id, amount])
            codes[entry_id] = code
        for entry_id, ls in lines.items():
            outs = [ln for ln in ls if ln[1] < 0]
            ins = [ln for ln in ls if ln[1] > 0]
            for o in outs:
                for i in ins:
                    take = min(-o[1], i[1])
                    if take > 0:
                        out.append((o[0], i[0], codes[entry_id], take))
                        o[1] += take
                        i[1] -= take
        return out

    def kind(self, account_id) -> str:
        acct = self.accounts.get(account_id)
        return acct["kind"] if acct else ""

    def code(self, account_id) -> str:
        acct = self.accounts.get(account_id)
        return acct["code"] if acct else f"#{account_id}"

    def suffix(self, account_id) -> str:
        """``key_rd`` of ``fund:2026:area:key_rd``; ``2026-0001`` of ``fund:2026:commitment:2026-0001``."""
        parts = self.code(account_id).split(":", 3)
        return parts[3] if len(parts) == 4 else ""

    def ids_of_kind(self, *kinds) -> list[int]:
        return [i for i, a in self.accounts.items() if a["kind"] in kinds]


# --------------------------------------------------------------------------------------------------
# Records of the support modes


def _model(label: str):
    """The model ``app.Model`` when that app has it yet (the modes are built in parallel)."""
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _has_fields(model, *names) -> bool:
    fields = {f.name for f in model._meta.get_fields()}
    return all(n.split("__")[0] in fields for n in names)


def paid_by_project(fund_year) -> tuple[dict[str, Decimal], list[str]]:
    """What every mode's records say was paid, ``{project number: amount}``, and the record types read.

    Grants: ``projects.Payment``. Every other mode whose paid records carry a project and a ledger entry
    posted into the project's disbursed account (interest subsidies, equity stages, post-award
    payments): the records discovered in ``PAID_RECORDS`` below, read when their app has them."""
    from techfund.projects.models import Payment

    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in (
        Payment.objects.filter(project__fund_year=fund_year)
        .values("project__number")
        .annotate(s=Sum("amount"))
    ):
        out[r["project__number"]] += _q(r["s"])
    read = ["projects.Payment"]
    for label, project_path, amount_field, paid_filter in PAID_RECORDS:
        model = _model(label)
        if model is None or not _has_fields(model, project_path, amount_field):
            continue
        qs = model.objects.filter(**{f"{project_path}__fund_year": fund_year}).filter(paid_filter())
        for r in qs.values(f"{project_path}__number").annotate(s=Sum(amount_field)):
            out[r[f"{project_path}__number"]] += _q(r["s"])
        read.append(label)
    return dict(out), read


def _entry_paid():
    return Q(entry__isnull=False)


#: ``(model label, path to the project, amount field, filter of the paid records)``: each mode's records
#: of money paid into a project's disbursed account. Read only when the app has the model.
PAID_RECORDS: list[tuple[str, str, str, object]] = [
    ("subsidies.SubsidyClaim", "project", "amount", _entry_paid),  # 贷款贴息
    ("equity.Stage", "investment__project", "amount", _entry_paid),  # 股权投资 staged payments
    ("awards.AwardPayment", "project", "amount", _entry_paid),  # 后补助 / 奖补
]


# --------------------------------------------------------------------------------------------------
# The checks


def reconcile(fund_year) -> Report:
    """Reconcile ``fund_year`` (a FundYear, or a year number). Reads only; records nothing."""
    from techfund.funds.models import FundYear

    if not isinstance(fund_year, FundYear):
        fund_year = FundYear.objects.get(year=int(fund_year))
    year = fund_year.year
    led = Ledger(year)
    checks = [
        _entries_balanced(year),
        _entries_within_year(year),
        _no_overdraft(led),
        _trial_balance(led),
        _sources_recorded(fund_year, led),
        _allocations_posted(fund_year, led),
        _reserved_items(fund_year, led),
    ]
    projects = _project_figures(fund_year, led)
    checks += [
        _areas(fund_year, led, projects),
        _projects_arranged(projects),
        _projects_disbursed(projects),
        _payments_posted(fund_year, led, projects),
        _recoveries_posted(fund_year, projects),
        _releases_posted(fund_year, led),
        _treasury_confirmed(fund_year),
        _entries_referenced_once(year),
        _risk_pool(fund_year, led),
        _equity(fund_year, led, projects),
    ]
    return Report(year=year, checks=checks)


def _entries_balanced(year: int) -> Check:
    bad = list(
        Posting.objects.filter(entry__year=year)
        .values("entry_id", "entry__code")
        .annotate(s=Sum("amount"), n=Count("id"))
        .filter(Q(s__gte=HALF_CENT) | Q(s__lte=-HALF_CENT) | Q(n__lt=2))
        .order_by("entry_id")
    )
    # An entry with no posting at all is not balanced either (nothing it says moved).
    empty = list(JournalEntry.objects.filter(year=year, postings__isnull=True).values_list("pk", "code"))
    offenders = [
        _offender(
            f"#{r['entry_id']} {r['entry__code']}", ZERO, _q(r["s"]), _("分录 %(n)s 条") % {"n": r["n"]}
        )
        for r in bad
    ] + [_offender(f"#{pk} {code}", ZERO, ZERO, _("无分录")) for pk, code in empty]
    return Check("entries_balanced", 0, len(offenders), offenders[:MAX_OFFENDERS], len(offenders))


def _entries_within_year(year: int) -> Check:
    bad = list(
        Posting.objects.filter(Q(entry__year=year) | Q(account__year=year))
        .exclude(entry__year=F("account__year"))
        .values_list("entry_id", "entry__year", "account__code", "amount")[: MAX_OFFENDERS + 1]
    )
    n = (
        Posting.objects.filter(Q(entry__year=year) | Q(account__year=year))
        .exclude(entry__year=F("account__year"))
        .count()
        if bad
        else 0
    )
    offenders = [
        _offender(f"#{e} ({y}) → {code}", ZERO, amount, _("凭证年度与科目年度不同"))
        for e, y, code, amount in bad
    ]
    return Check("entries_within_year", 0, n, offenders[:MAX_OFFENDERS], n)


def _no_overdraft(led: Ledger) -> Check:
    offenders = []
    for acct_id, acct in led.accounts.items():
        bal = led.balance[acct_id]
        if acct["kind"] in (AccountKind.SOURCE, AccountKind.INCOME):
            if bal > 0:  # an outside source gives money; a positive balance means it took more back
                offenders.append(_offender(acct["code"], ZERO, bal, _("来源科目余额为正")))
        elif bal < 0 and not acct["may_go_negative"]:
            offenders.append(_offender(acct["code"], ZERO, bal, _("余额为负")))
    return Check("no_overdraft", 0, len(offenders), offenders[:MAX_OFFENDERS], len(offenders))


def _trial_balance(led: Ledger) -> Check:
    by_kind: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for acct_id, acct in led.accounts.items():
        by_kind[acct["kind"]] += led.balance[acct_id]
    # What came into the fund from outside: the sources, and the investment income (both run negative).
    sources = -by_kind.pop(AccountKind.SOURCE, ZERO) - by_kind.pop(AccountKind.INCOME, ZERO)
    order = [k for k in AccountKind.values if k in by_kind] + sorted(
        k for k in by_kind if k not in AccountKind.values
    )
    parts = [(str(AccountKind(k).label) if k in AccountKind.values else k, by_kind[k]) for k in order]
    return Check("trial_balance", sources, sum(by_kind.values(), ZERO), parts=parts)


def _sources_recorded(fund_year, led: Ledger) -> Check:
    from techfund.funds.enums import ContributionState
    from techfund.funds.models import Contribution

    expected: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in (
        Contribution.objects.filter(fund_year=fund_year, state=ContributionState.RECORDED)
        .values("source_type__code", "level")
        .annotate(s=Sum("amount"))
    ):
        expected[f"fund:{fund_year.year}:source:{r['source_type__code']}:{r['level']}"] += _q(r["s"])
    actual = {led.code(i): -led.balance[i] for i in led.ids_of_kind(AccountKind.SOURCE) if led.balance[i]}
    return _mismatch_check("sources_recorded", dict(expected), actual)


def _allocations_posted(fund_year, led: Ledger) -> Check:
    expected = _approved_allocations(fund_year)
    pool = led.by_code.get(f"fund:{fund_year.year}:pool")
    actual: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for src, dst, _code, amount in led.flows:
        if led.kind(dst) == AccountKind.AREA and src == pool:
            actual[led.suffix(dst)] += amount
        elif led.kind(src) == AccountKind.AREA and dst == pool:
            actual[led.suffix(src)] -= amount
    return _mismatch_check("allocations_posted", expected, {k: v for k, v in actual.items() if v})


def _approved_allocations(fund_year) -> dict[str, Decimal]:
    from techfund.funds.enums import FrameworkState
    from techfund.funds.models import Allocation

    return {
        r["focus_area__code"]: _q(r["s"])
        for r in Allocation.objects.filter(
            framework__fund_year=fund_year, framework__state=FrameworkState.APPROVED
        )
        .values("focus_area__code")
        .annotate(s=Sum("amount"))
    }


def _reserved_items(fund_year, led: Ledger) -> Check:
    from techfund.decisions.enums import ItemState
    from techfund.decisions.models import ProposalItem

    live = (
        ProposalItem.objects.filter(
            batch__fund_year=fund_year,
            state__in=[ItemState.PROPOSED, ItemState.APPROVED, ItemState.IN_PUBLICITY, ItemState.FINAL],
            batch__state__in=["submitted", "decided"],
            project__isnull=True,
        )
        .values("focus_area__code")
        .annotate(s=Sum(Coalesce("decided_amount", "amount")))
    )
    expected = {r["focus_area__code"]: _q(r["s"]) for r in live if r["s"]}
    actual = {led.suffix(i): led.balance[i] for i in led.ids_of_kind(AccountKind.RESERVED) if led.balance[i]}
    return _mismatch_check("reserved_items", expected, actual)


@dataclasses.dataclass
class _Fig:
    number: str
    area: str = ""
    amount: Decimal | None = None  # Project.amount (None: an account with no project record)
    arranged: Decimal = ZERO  # into the commitment
    paid_ledger: Decimal = ZERO  # into the disbursed account
    released: Decimal = ZERO  # out of the commitment other than into the disbursed account
    unpaid: Decimal = ZERO
    disbursed: Decimal = ZERO
    recovered_ledger: Decimal = ZERO
    returned: Decimal = ZERO
    written_off: Decimal = ZERO
    paid: Decimal = ZERO  # the records
    recovered: Decimal = ZERO  # the records


def _project_figures(fund_year, led: Ledger) -> dict:
    from techfund.projects.models import Project
    from techfund.sanctions.models import RecoveryReceipt

    figs: dict[str, _Fig] = {}
    for number, area, amount in Project.objects.filter(fund_year=fund_year).values_list(
        "number", "focus_area__code", "amount"
    ):
        figs[number] = _Fig(number, area, amount)

    def fig(account_id) -> _Fig:
        n = led.suffix(account_id)
        if n not in figs:
            figs[n] = _Fig(n)
        return figs[n]

    for i in led.ids_of_kind(AccountKind.COMMITMENT):
        f = fig(i)
        f.arranged, f.unpaid = led.inflow[i], led.balance[i]
    for i in led.ids_of_kind(AccountKind.DISBURSED):
        f = fig(i)
        f.paid_ledger, f.disbursed = led.inflow[i], led.balance[i]
    for src, dst, code, amount in led.flows:
        sk, dk = led.kind(src), led.kind(dst)
        if sk == AccountKind.COMMITMENT and not (
            dk == AccountKind.DISBURSED and led.suffix(dst) == led.suffix(src)
        ):
            fig(src).released += amount
        elif sk == AccountKind.DISBURSED:
            f = fig(src)
            if dk == AccountKind.WRITTEN_OFF:
                f.written_off += amount
            elif code == RECOVERY_CODE:
                f.recovered_ledger += amount
            else:
                f.returned += amount
    paid, _read = paid_by_project(fund_year)
    for number, amount in paid.items():
        figs.setdefault(number, _Fig(number)).paid = amount
    for r in (
        RecoveryReceipt.objects.filter(order__project__fund_year=fund_year)
        .values("order__project__number")
        .annotate(s=Sum("amount"))
    ):
        figs.setdefault(r["order__project__number"], _Fig(r["order__project__number"])).recovered = _q(r["s"])
    return figs


def _areas(fund_year, led: Ledger, projects: dict) -> Check:
    """Per focus area: the approved allocation is all still in the area (or reserved for proposed
    items), net-committed to the area's projects (arranged − released), moved to a risk compensation
    pool, or moved elsewhere by a recorded flow (shown as "other")."""
    expected = _approved_allocations(fund_year)
    pool = led.by_code.get(f"fund:{fund_year.year}:pool")
    parts: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for i in led.ids_of_kind(AccountKind.AREA, AccountKind.RESERVED):
        parts[led.suffix(i)][led.kind(i)] += led.balance[i]
    for f in projects.values():
        if f.area:
            parts[f.area]["projects"] += (f.amount or ZERO) - f.released
    own = {AccountKind.AREA, AccountKind.RESERVED}
    for src, dst, _code, amount in led.flows:
        sk, dk = led.kind(src), led.kind(dst)
        if sk in own and dk not in own | {AccountKind.COMMITMENT} and dst != pool:
            parts[led.suffix(src)][AccountKind.RISK_POOL if dk == AccountKind.RISK_POOL else "other"] += (
                amount
            )
        if dk in own and sk not in own | {AccountKind.COMMITMENT} and src != pool:
            parts[led.suffix(dst)][AccountKind.RISK_POOL if sk == AccountKind.RISK_POOL else "other"] -= (
                amount
            )
        if sk in own and dk in own and led.suffix(src) != led.suffix(dst):  # 调剂 between areas
            parts[led.suffix(src)]["other"] += amount
            parts[led.suffix(dst)]["other"] -= amount
    actual = {code: sum(p.values(), ZERO) for code, p in parts.items()}
    actual = {k: v for k, v in actual.items() if v or k in expected}
    check = _mismatch_check(
        "areas",
        expected,
        actual,
        note=lambda k: "; ".join(f"{n} {_num(v)}" for n, v in parts[k].items() if v),
    )
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for p in parts.values():
        for n, v in p.items():
            totals[n] += v
    check.parts = list(totals.items())
    return check


def _projects_arranged(projects: dict) -> Check:
    offenders, expected, actual = [], ZERO, ZERO
    for f in sorted(projects.values(), key=lambda f: f.number):
        e = f.amount if f.amount is not None else ZERO
        a = f.paid + f.unpaid + f.released
        expected += e
        actual += a
        note = ""
        if f.amount is None:
            note = _("有科目无项目记录")
        elif f.arranged != f.amount:
            note = _("承诺入账 %(a)s 元") % {"a": _num(f.arranged)}
        if e != a or (f.amount is not None and f.arranged != f.amount) or f.amount is None and a:
            offenders.append(
                _offender(
                    f.number,
                    e,
                    a,
                    note
                    or _("拨付 %(p)s + 未拨付 %(u)s + 释放 %(r)s")
                    % {"p": _num(f.paid), "u": _num(f.unpaid), "r": _num(f.released)},
                )
            )
    return Check("projects_arranged", expected, actual, offenders[:MAX_OFFENDERS], len(offenders))


def _projects_disbursed(projects: dict) -> Check:
    offenders, expected, actual = [], ZERO, ZERO
    for f in sorted(projects.values(), key=lambda f: f.number):
        e = f.paid - f.recovered - f.returned - f.written_off
        expected += e
        actual += f.disbursed
        if e != f.disbursed or f.recovered != f.recovered_ledger:
            offenders.append(
                _offender(
                    f.number,
                    e,
                    f.disbursed,
                    _("拨付 %(p)s − 追回 %(r)s（入账 %(rl)s）− 退回 %(t)s − 核销 %(w)s")
                    % {
                        "p": _num(f.paid),
                        "r": _num(f.recovered),
                        "rl": _num(f.recovered_ledger),
                        "t": _num(f.returned),
                        "w": _num(f.written_off),
                    },
                )
            )
    return Check("projects_disbursed", expected, actual, offenders[:MAX_OFFENDERS], len(offenders))


def _payments_posted(fund_year, led: Ledger, projects: dict) -> Check:
    """The paid records of every mode against the ledger, in total and record by record: each payment's
    entry moved exactly its amount into its own project's disbursed account."""
    from techfund.projects.models import Payment

    expected = sum((f.paid for f in projects.values()), ZERO)
    actual = sum((led.inflow[i] for i in led.ids_of_kind(AccountKind.DISBURSED)), ZERO)
    per_project = _mismatch_check(
        "payments_posted",
        {f.number: f.paid for f in projects.values() if f.paid},
        {f.number: f.paid_ledger for f in projects.values() if f.paid_ledger},
    )
    offenders = per_project.offenders
    n = per_project.offending
    models = [(Payment, "project", "amount")]
    for label, project_path, amount_field, _f in PAID_RECORDS:
        model = _model(label)
        if model is not None and _has_fields(model, project_path, amount_field, "entry"):
            models.append((model, project_path, amount_field))
    # Every posting into a disbursed account, by entry and account (one scan; compared in Python, which
    # is faster than a correlated subquery per record on a year of 100,000 payments).
    posted: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for entry_id, account_id, amount in (
        Posting.objects.filter(entry__year=fund_year.year, amount__gt=0, account__kind=AccountKind.DISBURSED)
        .values_list("entry_id", "account_id", "amount")
        .iterator(chunk_size=20_000)
    ):
        posted[(entry_id, account_id)] += amount
    year = fund_year.year
    for model, project_path, amount_field in models:
        for pk, entry_id, amount, number in (
            model.objects.filter(**{f"{project_path}__fund_year": fund_year, "entry__isnull": False})
            .values_list("pk", "entry_id", amount_field, f"{project_path}__number")
            .iterator(chunk_size=20_000)
        ):
            account_id = led.by_code.get(f"fund:{year}:disbursed:{number}")
            got = _q(posted.get((entry_id, account_id), ZERO))
            if got != _q(amount):
                n += 1
                if len(offenders) < MAX_OFFENDERS:
                    offenders.append(
                        _offender(
                            f"{model._meta.label} #{pk} ({number})",
                            _q(amount),
                            got,
                            _("凭证记入该项目已拨付科目的金额与记录不符"),
                        )
                    )
    return Check("payments_posted", expected, actual, offenders[:MAX_OFFENDERS], n)


def _recoveries_posted(fund_year, projects: dict) -> Check:
    expected = {f.number: f.recovered for f in projects.values() if f.recovered}
    actual = {f.number: f.recovered_ledger for f in projects.values() if f.recovered_ledger}
    return _mismatch_check("recoveries_posted", expected, actual)


def _releases_posted(fund_year, led: Ledger) -> Check:
    from techfund.sanctions.models import SanctionOrder

    expected = {
        r["project__number"]: _q(r["s"])
        for r in SanctionOrder.objects.filter(project__fund_year=fund_year, release_entry__isnull=False)
        .values("project__number")
        .annotate(s=Sum("released_amount"))
    }
    actual: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for src, _dst, code, amount in led.flows:
        if code == RELEASE_CODE and led.kind(src) == AccountKind.COMMITMENT:
            actual[led.suffix(src)] += amount
    return _mismatch_check("releases_posted", expected, dict(actual))


def _treasury_confirmed(fund_year) -> Check:
    """Every confirmed instruction: one entry whose inflows equal the instruction's amount, one matched
    "paid" confirmation row; no other instruction is confirmed without a confirmation."""
    Instruction = _model("treasury.PaymentInstruction")  # noqa: N806
    Confirmation = _model("treasury.Confirmation")  # noqa: N806
    if Instruction is None or not _has_fields(Instruction, "entry", "state", "amount"):
        return Check("treasury_confirmed", 0, 0, skipped=_("国库直通车尚无支付指令"))
    confirmed = Instruction.objects.filter(fund_year=fund_year, state="confirmed")
    posted = (
        Posting.objects.filter(entry_id=OuterRef("entry_id"), amount__gt=0)
        .values("entry_id")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    offenders = []
    for number, amount, got in (
        confirmed.annotate(posted=Coalesce(Subquery(posted), ZERO))
        .filter(
            Q(entry__isnull=True)
            | Q(posted__gte=F("amount") + HALF_CENT)
            | Q(posted__lte=F("amount") - HALF_CENT)
        )
        .values_list("number", "amount", "posted")
    ):
        offenders.append(_offender(number, _q(amount), _q(got), _("凭证金额与指令不符或无凭证")))
    if Confirmation is not None and _has_fields(Confirmation, "instruction", "result", "status"):
        matched = (
            Confirmation.objects.filter(instruction=OuterRef("pk"), result="matched", status="paid")
            .values("instruction")
            .annotate(n=Count("id"))
            .values("n")
        )
        for number, n in (
            Instruction.objects.filter(fund_year=fund_year)
            .annotate(n=Coalesce(Subquery(matched), 0))
            .filter(
                Q(state="confirmed", n__gt=1)
                | Q(state="confirmed", n=0)
                | (~Q(state="confirmed") & Q(n__gt=0))
            )
            .values_list("number", "n")
        ):
            offenders.append(_offender(number, 1, n, _("相符的国库确认条数")))
    total = confirmed.aggregate(s=Sum("amount"))["s"] or ZERO
    return Check("treasury_confirmed", _q(total), _q(total), offenders[:MAX_OFFENDERS], len(offenders))


def _entry_fields():
    """Every ``(model, field)`` of the project that points at a ledger entry (reversals aside)."""
    out = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if (
                field.is_relation
                and field.related_model is JournalEntry
                and model not in (JournalEntry, Posting)
            ):
                out.append((model, field))
    return out


def _entries_referenced_once(year: int) -> Check:
    """No entry posted twice, and none without its record: every entry of the year belongs to a
    business record (a contribution, an allocation, a project's arrangement, a payment of any mode, a
    recovery receipt, a release, a treasury instruction…) or reverses one; no money moved that no
    record accounts for (a handler that posted twice leaves the second entry without a record). An
    entry is also never shared by two rows of one record field (a treasury instruction and the mode's
    record it paid may both point at the same entry)."""
    offenders = []
    fields = _entry_fields()
    orphans = JournalEntry.objects.filter(year=year, reverses__isnull=True)
    for model, field in fields:
        orphans = orphans.exclude(
            pk__in=model.objects.filter(**{f"{field.name}__isnull": False}).values(field.attname)
        )
    n_orphans = orphans.count()
    for pk, code, memo in orphans.values_list("pk", "code", "memo")[:MAX_OFFENDERS]:
        offenders.append(_offender(f"#{pk} {code}", 1, 0, memo))
    n_shared = 0
    for model, field in fields:
        if field.one_to_one:
            continue  # unique by construction
        dup = (
            model.objects.filter(**{f"{field.name}__year": year})
            .values(field.attname)
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values_list(field.attname, "n")
        )
        for entry_id, n in dup:
            n_shared += 1
            offenders.append(_offender(f"{model._meta.label}.{field.name} #{entry_id}", 1, n))
    n = n_orphans + n_shared
    return Check("entries_referenced_once", 0, n, offenders[:MAX_OFFENDERS], n)


def _risk_pool(fund_year, led: Ledger) -> Check:
    """Risk compensation, pool by pool: what finance recorded moving into the bank's pool (funding and
    top-ups less year-end returns) is what the ledger moved area → pool; the compensation of the paid
    claims is what left the pool for the bank (riskpool → riskpaid); the banks' recoveries returned to
    the fund are what came back (riskpaid → riskpool)."""
    Pool = _model("riskpool.RiskPool")  # noqa: N806
    if Pool is None or not _has_fields(Pool, "account", "paid_account", "fund_year"):
        return Check("risk_pool", ZERO, ZERO, skipped=_("风险补偿尚无资金池"))
    Movement = _model("riskpool.PoolMovement")  # noqa: N806
    Claim = _model("riskpool.DefaultClaim")  # noqa: N806
    Recovery = _model("riskpool.BankRecovery")  # noqa: N806
    pools = {
        pk: (name, acct, paid)
        for pk, name, acct, paid in Pool.objects.filter(fund_year=fund_year).values_list(
            "pk", "account__code", "account_id", "paid_account_id"
        )
    }
    expected: dict[str, Decimal] = defaultdict(lambda: ZERO)
    actual: dict[str, Decimal] = defaultdict(lambda: ZERO)
    if Movement is not None:
        for pool, kind, s in (
            Movement.objects.filter(pool__fund_year=fund_year)
            .values_list("pool", "kind")
            .annotate(s=Sum("amount"))
        ):
            expected[f"{pools[pool][0]} {_('注资')}"] += -_q(s) if kind == "return" else _q(s)
    if Claim is not None:
        for pool, s in (
            Claim.objects.filter(pool__fund_year=fund_year, state="paid", entry__isnull=False)
            .values_list("pool")
            .annotate(s=Sum("compensation"))
        ):
            expected[f"{pools[pool][0]} {_('代偿')}"] += _q(s)
    if Recovery is not None:
        for pool, s in (
            Recovery.objects.filter(claim__pool__fund_year=fund_year)
            .values_list("claim__pool")
            .annotate(s=Sum("returned"))
        ):
            expected[f"{pools[pool][0]} {_('银行追回')}"] += _q(s)
    by_account = {acct: (name, paid) for name, acct, paid in pools.values()}
    by_paid = {paid: (name, acct) for name, acct, paid in pools.values()}
    for src, dst, _code, amount in led.flows:
        if dst in by_account and src not in by_paid:
            actual[f"{by_account[dst][0]} {_('注资')}"] += amount
        elif src in by_account and dst not in by_paid:
            actual[f"{by_account[src][0]} {_('注资')}"] -= amount
        elif src in by_account and dst == by_account[src][1]:
            actual[f"{by_account[src][0]} {_('代偿')}"] += amount
        elif src in by_paid and dst == by_paid[src][1]:
            actual[f"{by_paid[src][0]} {_('银行追回')}"] += amount
    expected = {k: v for k, v in expected.items() if v}
    return _mismatch_check("risk_pool", expected, {k: v for k, v in actual.items() if v})


def _equity(fund_year, led: Ledger, projects: dict) -> Check:
    """Equity exits and write-offs: per project, the principal returned to the pool and the money
    written off in the ledger are what the confirmed exits and write-offs say; the fund's investment
    income is the exits' gains."""
    Exit = _model("equity.Exit")  # noqa: N806
    WriteOff = _model("equity.WriteOff")  # noqa: N806
    if Exit is None or not _has_fields(Exit, "investment", "principal", "gain", "loss", "state"):
        return Check("equity_exits", ZERO, ZERO, skipped=_("股权投资尚无退出记录"))
    expected: dict[str, Decimal] = defaultdict(lambda: ZERO)
    confirmed = Exit.objects.filter(investment__project__fund_year=fund_year, state="confirmed")
    for number, principal, gain, loss in confirmed.values_list("investment__project__number").annotate(
        p=Sum("principal"), g=Sum("gain"), lo=Sum("loss")
    ):
        expected[f"{number} {_('收回本金')}"] += _q(principal)
        expected[_("投资收益")] += _q(gain)
        expected[f"{number} {_('核销')}"] += _q(loss)
    if WriteOff is not None and _has_fields(WriteOff, "investment", "amount", "state"):
        for number, s in (
            WriteOff.objects.filter(investment__project__fund_year=fund_year, state="confirmed")
            .values_list("investment__project__number")
            .annotate(s=Sum("amount"))
        ):
            expected[f"{number} {_('核销')}"] += _q(s)
    actual: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for f in projects.values():
        if f.returned:
            actual[f"{f.number} {_('收回本金')}"] += f.returned
        if f.written_off:
            actual[f"{f.number} {_('核销')}"] += f.written_off
    for src, _dst, _code, amount in led.flows:
        if led.kind(src) == AccountKind.INCOME:
            actual[_("投资收益")] += amount
    expected = {k: v for k, v in expected.items() if v}
    return _mismatch_check("equity_exits", expected, {k: v for k, v in actual.items() if v})
