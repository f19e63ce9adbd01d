"""Benchmark of the money path: posting throughput and full reconciliation of a year of payments.

    python bench/payments.py                          # 100,000 payments, SQLite and PostgreSQL
    python bench/payments.py --database sqlite        # one database
    python bench/payments.py --quick                  # 5,000 payments (smoke)
    python bench/payments.py --payments 20000 --per-project 20

A fund year of ``payments / per_project`` grant projects is built: the policy, the fund year, its
contributions and framework through the services; the projects, their signed contracts (two tranches)
and their commitments (focus area → commitment, one balanced entry each) bulk-inserted, as the
services would take too long for thousands of projects. Then every payment goes through the real
services and is measured:

- ``pay_tranche``: a payment registered by finance (locks, checks, ledger entry, Payment, audit event);
- treasury: ``instruct_tranche`` for a share of the payments (``--treasury-share``), one batch exported,
  and the treasury's confirmation file imported (``import_confirmations``: each row posts its entry);
- ``reconcile()`` of the whole year (funds/reconcile.py), which must pass.

References measured in the same run, on the same database:

- posting: a raw bulk insert of the same number of entries and postings (JournalEntry + 2 Postings per
  payment, ``bulk_create``, no checks, no audit), rolled back — the floor of what writing the rows costs;
- reconciliation: a naive per-project loop (two balance queries and two record sums per project, as a
  first version would), over every project.

Each database runs in its own subprocess (``--worker``), on a fresh database: SQLite at
``bench/out/payments.sqlite3``, PostgreSQL at ``postgres://postgres@127.0.0.1:5432/bench_payments``
(dropped and created; ``--pg-url`` to change). The tables are created from the models, as the test
suite does. Results are appended to ``bench/out/payments.jsonl``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_URL = "postgres://postgres@127.0.0.1:5432/bench_payments"
YEAR = 2026
SIGNED_ON = dt.date(2026, 3, 2)
PAID_ON = dt.date(2026, 6, 30)
TODAY = dt.date(2026, 7, 1)
#: Every project: 1,000,000 yuan in two tranches of 500,000, paid in equal parts.
PROJECT_AMOUNT = Decimal("1000000.00")


# ----------------------------------------------------------------------------- the database


def database_url(database: str, pg_url: str = PG_URL) -> str:
    if database == "sqlite":
        return f"sqlite:///{OUT / 'payments.sqlite3'}"
    return pg_url


def fresh_database(database: str, pg_url: str = PG_URL) -> None:
    """Drop and create the bench database (before Django connects to it)."""
    OUT.mkdir(parents=True, exist_ok=True)
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{OUT / 'payments.sqlite3'}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    base, name = pg_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    """Django on ``url``, with the tables created from the models (no migrations), the append-only
    triggers installed, and query logging off."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "techfund.settings")
    for p in (str(ROOT / "src"), str(ROOT)):
        if p not in sys.path:
            sys.path.insert(0, p)
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    settings.MIGRATION_MODULES = {app.label: None for app in django.apps.apps.get_app_configs()}
    from django.core.management import call_command
    from django.db import connection

    from techfund.core import dbtriggers

    call_command("migrate", run_syncdb=True, verbosity=0)
    dbtriggers.install(connection)


# ----------------------------------------------------------------------------- building the year


class Year:
    """What ``build_year`` made: the fund year, the actors and the projects with their tranches."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def _user(username, role, **scope):
    from techfund.core.services import people

    u = people.create_user(
        actor=None,
        username=username,
        password="Bench-Passw0rd!",
        display_name=username,
        must_change_password=False,
    )
    people.grant_role(actor=None, user=u, role=role, **scope)
    u.forget_grants()
    return u


def build_year(*, projects: int, per_project: int, log=print) -> Year:
    """The fund year with ``projects`` grant projects in progress (contract signed, two tranches of
    500,000, committed in the ledger), ready to be paid ``per_project`` times each."""
    from django.db import transaction
    from tests.factories import next_uscc

    from techfund.core.enums import AccountKind, Role
    from techfund.core.models import Account, Department, JournalEntry, Posting
    from techfund.core.services import people
    from techfund.funds import services as funds
    from techfund.policy.loader import load_preset
    from techfund.policy.models import FocusArea
    from techfund.projects.models import Contract, Project, Tranche

    t0 = time.perf_counter()
    load_preset("rizhao", actor=None)
    office = _user("bench_office", Role.OFFICE)
    leader = _user("bench_leader", Role.LEADING_GROUP)
    finance = _user("bench_finance", Role.FINANCE)
    finance2 = _user("bench_finance2", Role.FINANCE)
    fy = funds.open_fund_year(actor=office, year=YEAR)
    total = PROJECT_AMOUNT * projects
    funds.record_contribution(
        fy, actor=office, source_type="st_innovation", amount=f"{total + Decimal('1000000.00')}"
    )
    fw = funds.propose_framework(fy, actor=office, allocations={"key_rd": f"{total}"})
    funds.submit_framework(fw, actor=office)
    funds.approve_framework(fw, actor=leader, reason="同意。")
    area = FocusArea.objects.get(profile=fy.profile, code="key_rd")
    dept = Department.objects.get(code="science_technology")
    orgs = [
        people.register_organisation(
            actor=None, uscc=next_uscc(), name=f"基准测试单位{i}有限公司", kind="enterprise"
        )
        for i in range(max(1, min(50, projects)))
    ]
    area_acct = Account.objects.get(code=f"fund:{YEAR}:area:key_rd")
    half = (PROJECT_AMOUNT / 2).quantize(Decimal("0.01"))
    with transaction.atomic():
        numbers = [f"BP{YEAR}-{i:06d}" for i in range(projects)]
        accts = Account.objects.bulk_create(
            [
                Account(code=f"fund:{YEAR}:{kind}:{n}", name=f"{n}（{kind}）", kind=kind, year=YEAR)
                for n in numbers
                for kind in (AccountKind.COMMITMENT, AccountKind.DISBURSED)
            ]
        )
        entries = JournalEntry.objects.bulk_create(
            [
                JournalEntry(
                    code="projects.project.emergency", memo=f"基准项目 {n}", year=YEAR, posted_by=finance
                )
                for n in numbers
            ]
        )
        Posting.objects.bulk_create(
            [
                p
                for i, e in enumerate(entries)
                for p in (
                    Posting(entry=e, account=area_acct, amount=-PROJECT_AMOUNT),
                    Posting(entry=e, account=accts[2 * i], amount=PROJECT_AMOUNT),
                )
            ],
            batch_size=5000,
        )
        plist = Project.objects.bulk_create(
            [
                Project(
                    fund_year=fy,
                    number=n,
                    title=f"基准测试项目{i}",
                    focus_area=area,
                    department=dept,
                    organisation=orgs[i % len(orgs)],
                    support_mode="grant",
                    amount=PROJECT_AMOUNT,
                    fiscal_year=YEAR,
                    statutory_approved=True,
                    emergency=True,
                    state="in_progress",
                    start_date=SIGNED_ON,
                    end_date=dt.date(2027, 12, 31),
                    arranged_by=finance,
                    commitment_entry=entries[i],
                )
                for i, n in enumerate(numbers)
            ],
            batch_size=2000,
        )
        now = dt.datetime.now(dt.UTC)
        contracts = Contract.objects.bulk_create(
            [
                Contract(
                    project=p,
                    number=f"RWS-{p.number}",
                    state="signed",
                    amount=PROJECT_AMOUNT,
                    start_date=SIGNED_ON,
                    end_date=dt.date(2027, 12, 31),
                    terms="基准测试",
                    generated_by=office,
                    unit_signatory="乙方",
                    unit_signed_by=office,
                    unit_signed_at=now,
                    owner_signatory="甲方",
                    owner_signed_by=office,
                    owner_signed_at=now,
                    signed_on=SIGNED_ON,
                )
                for p in plist
            ],
            batch_size=2000,
        )
        tranches = Tranche.objects.bulk_create(
            [
                Tranche(contract=c, seq=seq, ratio=Decimal("0.5"), amount=half, condition="基准测试")
                for c in contracts
                for seq in (1, 2)
            ],
            batch_size=5000,
        )
    log(f"  year built: {projects:,} projects in {time.perf_counter() - t0:.1f} s")
    return Year(
        fund_year=fy,
        office=office,
        finance=finance,
        finance2=finance2,
        projects=plist,
        orgs=orgs,
        tranches=[(tranches[2 * i], tranches[2 * i + 1]) for i in range(projects)],
        per_project=per_project,
        part=(half / (per_project // 2)).quantize(Decimal("0.01")),
    )


def pay_by_hand(year: Year, projects: range, *, log=print) -> int:
    """Pay ``projects`` in full through ``pay_tranche``: ``per_project`` equal parts each."""
    from techfund.projects.services import pay_tranche

    n = 0
    parts = year.per_project // 2
    for i in projects:
        for tranche in year.tranches[i]:
            for k in range(parts):
                # The last part takes what rounding left, so each tranche is paid exactly.
                amount = year.part if k < parts - 1 else tranche.amount - year.part * (parts - 1)
                pay_tranche(
                    tranche,
                    actor=year.finance,
                    treasury_ref=f"BH{i:06d}-{tranche.seq}-{k:02d}",
                    paid_on=PAID_ON,
                    amount=amount,
                    today=TODAY,
                )
                n += 1
    return n


def pay_by_treasury(year: Year, projects: range, *, log=print) -> dict:
    """Pay ``projects`` through the treasury: payee accounts, one instruction per part (each tranche's
    parts in turn, since an instruction may not run ahead of an unpaid earlier tranche), batches
    exported, confirmation files imported. Returns the seconds each step took."""
    from techfund.projects.services.payments import instruct_tranche
    from techfund.treasury import services as treasury

    t = time.perf_counter()
    for org in {year.projects[i].organisation_id: year.projects[i].organisation for i in projects}.values():
        if treasury.active_account(org) is None:
            acc = treasury.record_account(
                org,
                actor=year.finance2,
                account_name=org.name,
                bank_name="中国工商银行日照分行",
                account_number=f"62220210{org.pk:010d}",
                bank_code="102473000012",
            )
            treasury.verify_account(acc, actor=year.finance)
    times = {"accounts_s": time.perf_counter() - t, "instruct_s": 0.0, "batch_s": 0.0, "import_s": 0.0}
    parts = year.per_project // 2
    n = 0
    for seq in (0, 1):
        for k in range(parts):
            t = time.perf_counter()
            instructions = []
            for i in projects:
                tranche = year.tranches[i][seq]
                amount = year.part if k < parts - 1 else tranche.amount - year.part * (parts - 1)
                instructions.append(instruct_tranche(tranche, actor=year.finance, amount=amount))
            times["instruct_s"] += time.perf_counter() - t
            t = time.perf_counter()
            batch = treasury.create_batch(year.fund_year, actor=year.finance)
            treasury.export_batch(batch, actor=year.finance, fmt="csv")
            data = confirmation_file(instructions)
            times["batch_s"] += time.perf_counter() - t
            t = time.perf_counter()
            treasury.import_confirmations(batch, data, actor=year.finance, today=TODAY)
            times["import_s"] += time.perf_counter() - t
            n += len(instructions)
    times["payments"] = n
    return times


def confirmation_file(instructions) -> bytes:
    """The treasury's result file for ``instructions``: every one paid (CSV, UTF-8 with BOM)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["指令编号", "支付凭证号", "金额", "银行账号", "支付日期", "状态", "退回原因"])
    for ins in instructions:
        w.writerow(
            [
                ins.number,
                f"GKT-{ins.pk}",
                f"{ins.amount}",
                ins.account_number,
                PAID_ON.isoformat(),
                "已支付",
                "",
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def bulk_fill(year: Year, projects: range) -> int:
    """Pay ``projects`` in full without the services: Payments, entries and postings bulk-inserted,
    consistent with what ``pay_tranche`` writes (so the year still reconciles). Used with
    ``--service-payments`` to give ``reconcile()`` a year of the full size when there is no time to
    post every payment through the service."""
    from django.db import transaction

    from techfund.core.models import Account, JournalEntry, Posting
    from techfund.projects.models import Payment

    accts = dict(Account.objects.filter(year=YEAR).values_list("code", "pk"))
    parts = year.per_project // 2
    n = 0
    with transaction.atomic():
        chunk = []

        def flush():
            entries = JournalEntry.objects.bulk_create(
                [
                    JournalEntry(code="projects.payment.made", memo="批量", year=YEAR, posted_by=year.finance)
                    for _ in chunk
                ]
            )
            postings, pays = [], []
            for e, (i, tranche, k, amount) in zip(entries, chunk, strict=True):
                number = year.projects[i].number
                postings.append(
                    Posting(entry=e, account_id=accts[f"fund:{YEAR}:commitment:{number}"], amount=-amount)
                )
                postings.append(
                    Posting(entry=e, account_id=accts[f"fund:{YEAR}:disbursed:{number}"], amount=amount)
                )
                pays.append(
                    Payment(
                        project=year.projects[i],
                        tranche=tranche,
                        amount=amount,
                        paid_on=PAID_ON,
                        treasury_ref=f"BF{i:06d}-{tranche.seq}-{k:02d}",
                        paid_by=year.finance,
                        entry=e,
                    )
                )
            Posting.objects.bulk_create(postings, batch_size=5000)
            Payment.objects.bulk_create(pays, batch_size=5000)
            chunk.clear()

        for i in projects:
            for tranche in year.tranches[i]:
                for k in range(parts):
                    amount = year.part if k < parts - 1 else tranche.amount - year.part * (parts - 1)
                    chunk.append((i, tranche, k, amount))
                    n += 1
                    if len(chunk) >= 10_000:
                        flush()
        if chunk:
            flush()
    return n


def raw_postings(year: Year, n: int) -> float:
    """The reference for posting: ``n`` payment entries (2 postings each) bulk-inserted with no check,
    lock or audit, then rolled back. Seconds."""
    from django.db import transaction

    from techfund.core.models import Account, JournalEntry, Posting

    codes = [p.number for p in year.projects]
    accts = dict(Account.objects.filter(year=YEAR).values_list("code", "pk"))
    t = time.perf_counter()
    with transaction.atomic():
        for start in range(0, n, 10_000):
            size = min(10_000, n - start)
            entries = JournalEntry.objects.bulk_create(
                [JournalEntry(code="bench.raw", memo="raw", year=YEAR) for _ in range(size)]
            )
            postings = []
            for j, e in enumerate(entries):
                number = codes[(start + j) % len(codes)]
                postings.append(
                    Posting(entry=e, account_id=accts[f"fund:{YEAR}:commitment:{number}"], amount=-year.part)
                )
                postings.append(
                    Posting(entry=e, account_id=accts[f"fund:{YEAR}:disbursed:{number}"], amount=year.part)
                )
            Posting.objects.bulk_create(postings, batch_size=5000)
        elapsed = time.perf_counter() - t
        transaction.set_rollback(True)
    return elapsed


def naive_reconcile(fund_year) -> bool:
    """The reference for reconciliation: per project, its two balances and its records' sums."""
    from django.db.models import Sum

    from techfund.core.models import Account
    from techfund.core.services import ledger
    from techfund.projects.models import Payment, Project
    from techfund.sanctions.models import RecoveryReceipt

    ok = True
    for p in Project.objects.filter(fund_year=fund_year).select_related("fund_year"):
        unpaid = ledger.balance(Account.objects.get(code=f"fund:{fund_year.year}:commitment:{p.number}"))
        disbursed = ledger.balance(Account.objects.get(code=f"fund:{fund_year.year}:disbursed:{p.number}"))
        paid = Payment.objects.filter(project=p).aggregate(s=Sum("amount"))["s"] or 0
        recovered = RecoveryReceipt.objects.filter(order__project=p).aggregate(s=Sum("amount"))["s"] or 0
        ok &= p.amount == paid + unpaid and disbursed == paid - recovered
    return ok


# ----------------------------------------------------------------------------- one database


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def worker(
    database: str, payments: int, per_project: int, treasury_share: float, pg_url: str, service_payments=None
) -> dict:
    url = database_url(database, pg_url)
    fresh_database(database, pg_url)
    setup_django(url)
    from django.db import connection

    from techfund.funds.reconcile import reconcile

    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731 - the parent reads stdout
    projects = max(1, payments // per_project)
    year = build_year(projects=projects, per_project=per_project, log=log)
    by_treasury = int(round(projects * treasury_share))
    by_hand = projects - by_treasury
    if service_payments is not None:
        by_hand = min(by_hand, max(1, service_payments // per_project))
    hand = range(0, by_hand)
    rows = []
    if by_hand + by_treasury < projects:
        t = time.perf_counter()
        n = bulk_fill(year, range(by_hand, projects - by_treasury))
        rows.append(
            dict(
                step="bulk-filled payments (no service; not a throughput)",
                count=n,
                wall_s=time.perf_counter() - t,
            )
        )
        log(f"  bulk-filled {n:,} payments")

    t, c = time.perf_counter(), _cpu()
    n = pay_by_hand(year, hand, log=log)
    wall, cpu = time.perf_counter() - t, _cpu() - c
    rows.append(dict(step="pay_tranche", count=n, wall_s=wall, cpu_s=cpu))
    log(f"  pay_tranche: {n:,} in {wall:.1f} s")

    if by_treasury:
        t, c = time.perf_counter(), _cpu()
        times = pay_by_treasury(year, range(projects - by_treasury, projects), log=log)
        wall, cpu = time.perf_counter() - t, _cpu() - c
        rows.append(
            dict(
                step="treasury: instruct + batch + import",
                count=times["payments"],
                wall_s=wall,
                cpu_s=cpu,
                detail=times,
            )
        )
        rows.append(
            dict(step="  of which import_confirmations", count=times["payments"], wall_s=times["import_s"])
        )
        log(f"  treasury: {times['payments']:,} in {wall:.1f} s ({times})")
    total_payments = sum(r["count"] for r in rows if not r["step"].startswith(" "))
    timed_payments = sum(
        r["count"] for r in rows if r["step"] in ("pay_tranche", "treasury: instruct + batch + import")
    )

    t, c = time.perf_counter(), _cpu()
    raw = raw_postings(year, timed_payments)
    rows.append(
        dict(
            step="reference: raw bulk insert of the postings",
            count=timed_payments,
            wall_s=raw,
            cpu_s=_cpu() - c,
        )
    )

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    t, c = time.perf_counter(), _cpu()
    report = reconcile(year.fund_year)
    wall, cpu = time.perf_counter() - t, _cpu() - c
    if not report.ok:
        log(report.text())
    rows.append(
        dict(step="reconcile() (whole year)", count=total_payments, wall_s=wall, cpu_s=cpu, ok=report.ok)
    )
    log(f"  reconcile: {wall:.2f} s, ok={report.ok}")

    t, c = time.perf_counter(), _cpu()
    naive_ok = naive_reconcile(year.fund_year)
    rows.append(
        dict(
            step="reference: per-project loop",
            count=total_payments,
            wall_s=time.perf_counter() - t,
            cpu_s=_cpu() - c,
            ok=naive_ok,
        )
    )
    from techfund.core.models import JournalEntry, Posting

    return dict(
        database=database,
        projects=projects,
        payments=total_payments,
        entries=JournalEntry.objects.count(),
        postings=Posting.objects.count(),
        rows=rows,
        ok=report.ok and naive_ok,
    )


# ----------------------------------------------------------------------------- the driver


def _table(results: list[dict]) -> str:
    lines = [
        "| database | step | payments | wall s | CPU s | payments/s | vs reference |",
        "|---|---|---|---|---|---|---|",
    ]
    for res in results:
        by = {r["step"]: r for r in res["rows"]}
        raw = by.get("reference: raw bulk insert of the postings")
        naive = by.get("reference: per-project loop")
        for r in res["rows"]:
            posting = r["step"] in ("pay_tranche", "treasury: instruct + batch + import") or r[
                "step"
            ].startswith(("  of which", "reference: raw"))
            rate = f"{r['count'] / r['wall_s']:,.0f}" if posting and r["wall_s"] else ""
            vs = ""
            if r["step"] in ("pay_tranche", "treasury: instruct + batch + import") and raw:
                vs = f"{(r['wall_s'] / r['count']) / (raw['wall_s'] / raw['count']):.0f}× the raw insert per payment"
            if r["step"] == "reconcile() (whole year)" and naive:
                vs = f"{naive['wall_s'] / r['wall_s']:.1f}× faster than the loop" + (
                    "" if r.get("ok") else " (FAILED)"
                )
            cpu = f"{r['cpu_s']:.1f}" if "cpu_s" in r else ""
            lines.append(
                f"| {res['database']} | {r['step']} | {r['count']:,} | {r['wall_s']:.2f} | {cpu} | {rate} | {vs} |"
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--payments", type=int, default=100_000, help="payments in the year (default 100,000)")
    ap.add_argument("--quick", action="store_true", help="5,000 payments (smoke)")
    ap.add_argument("--per-project", type=int, default=20, help="payments per project (even; default 20)")
    ap.add_argument(
        "--treasury-share", type=float, default=0.05, help="share of the projects paid through the treasury"
    )
    ap.add_argument(
        "--service-payments",
        type=int,
        help="post only about this many payments through pay_tranche and bulk-insert the rest of the year "
        "(default: every payment through the services)",
    )
    ap.add_argument("--pg-url", default=PG_URL)
    ap.add_argument("--worker", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    payments = 5_000 if a.quick else a.payments
    per_project = max(2, a.per_project - a.per_project % 2)
    if a.worker:
        res = worker(a.worker, payments, per_project, a.treasury_share, a.pg_url, a.service_payments)
        print(json.dumps(res, default=str))
        return 0
    load = os.getloadavg()[0]
    print(f"{payments:,} payments, {per_project} per project; load average {load:.2f}", flush=True)
    results = []
    for db in ["sqlite", "postgres"] if a.database == "both" else [a.database]:
        print(f"[{db}]", flush=True)
        cmd = [
            sys.executable,
            __file__,
            "--worker",
            db,
            "--payments",
            str(payments),
            "--per-project",
            str(per_project),
            "--treasury-share",
            str(a.treasury_share),
            "--pg-url",
            a.pg_url,
        ]
        if a.service_payments is not None:
            cmd += ["--service-payments", str(a.service_payments)]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
        if proc.returncode != 0:
            print(f"  {db}: the worker failed (exit {proc.returncode})", flush=True)
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print()
    print(_table(results))
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "payments.jsonl", "a") as fh:
        fh.write(
            json.dumps(
                {"time": time.time(), "load": load, "payments": payments, "results": results}, default=str
            )
        )
        fh.write("\n")
    return 0 if results and all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
