"""Posting balanced entries to the double-entry ledger.

``post()`` is the only way money moves. It must run inside the caller's service transaction (which
also writes the audit event). It locks every account it touches in a fixed order (by id, so two
postings never deadlock), re-derives each balance from the postings, refuses to overdraw an account
that may not go negative, and writes the entry and its postings. On SQLite the whole transaction
holds the database write lock (IMMEDIATE mode), which serialises postings the same way.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Sum
from django.utils.translation import gettext as _

from techfund.core.enums import AccountKind
from techfund.core.errors import ServiceError
from techfund.core.models import Account, JournalEntry, Posting

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """A yuan amount with exactly two places; refuses anything finer than a fen."""
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except Exception as exc:
        raise ServiceError(_("金额“%(v)s”不是有效的数字。") % {"v": value}, code="amount_invalid") from exc
    if not d.is_finite():
        raise ServiceError(_("金额必须是有限的数字。"), code="amount_invalid")
    if d != d.quantize(CENT):
        raise ServiceError(_("金额最多保留两位小数（到分）：%(v)s。") % {"v": value}, code="amount_precision")
    return d.quantize(CENT)


@dataclass(frozen=True)
class Line:
    account: Account
    amount: Decimal  # signed: + into the account, - out of it


def open_account(
    code: str, *, name: str, kind: str, year: int, may_go_negative: bool | None = None
) -> Account:
    """Get or create an account. Source accounts run negative by design; all others may not."""
    if may_go_negative is None:
        may_go_negative = kind == AccountKind.SOURCE
    acct, created = Account.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "year": year, "may_go_negative": may_go_negative}
    )
    return acct


def balance(account: Account | int) -> Decimal:
    account_id = account.pk if isinstance(account, Account) else account
    total = Posting.objects.filter(account_id=account_id).aggregate(s=Sum("amount"))["s"]
    return (total or ZERO).quantize(CENT)


def balances(accounts) -> dict[int, Decimal]:
    ids = [a.pk if isinstance(a, Account) else a for a in accounts]
    rows = Posting.objects.filter(account_id__in=ids).values("account_id").annotate(s=Sum("amount"))
    out = {i: ZERO for i in ids}
    for r in rows:
        out[r["account_id"]] = (r["s"] or ZERO).quantize(CENT)
    return out


def post(
    lines: list[Line] | list[tuple[Account, Decimal]],
    *,
    code: str,
    memo: str,
    year: int,
    actor=None,
    ref=None,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    if not connection.in_atomic_block:
        raise RuntimeError("ledger.post() must run inside the service's transaction")
    lines = [ln if isinstance(ln, Line) else Line(*ln) for ln in lines]
    if len(lines) < 2:
        raise ServiceError(_("一笔记账至少需要两条分录。"), code="entry_unbalanced")
    checked = []
    for ln in lines:
        amt = money(ln.amount)
        if amt == ZERO:
            raise ServiceError(_("分录金额不能为零。"), code="entry_zero")
        checked.append(Line(ln.account, amt))
    if sum((ln.amount for ln in checked), ZERO) != ZERO:
        raise ServiceError(_("借贷不平衡：分录合计必须为零。"), code="entry_unbalanced")

    # Lock the touched accounts in id order, then derive their balances from the postings.
    ids = sorted({ln.account.pk for ln in checked})
    locked = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    if len(locked) != len(ids):
        raise ServiceError(_("记账科目不存在。"), code="account_missing")
    current = balances(ids)
    delta: dict[int, Decimal] = {}
    for ln in checked:
        delta[ln.account.pk] = delta.get(ln.account.pk, ZERO) + ln.amount
    for acct_id, change in delta.items():
        acct = locked[acct_id]
        after = current[acct_id] + change
        if after < ZERO and not acct.may_go_negative:
            raise ServiceError(
                _("“%(acct)s”余额不足：可用 %(avail)s 元，本次需 %(need)s 元。")
                % {"acct": acct.name, "avail": f"{current[acct_id]:,.2f}", "need": f"{-change:,.2f}"},
                code="insufficient_funds",
            )
    entry = JournalEntry(
        code=code,
        memo=memo[:300],
        year=year,
        posted_by=actor if getattr(actor, "pk", None) else None,
        reverses=reverses,
        ref_type=ref._meta.label_lower if ref is not None else "",
        ref_id=str(ref.pk) if ref is not None else "",
    )
    entry.save()
    Posting.objects.bulk_create(
        [Posting(entry=entry, account=ln.account, amount=ln.amount) for ln in checked]
    )
    return entry


def transfer(src: Account, dst: Account, amount, **kwargs) -> JournalEntry:
    """Move ``amount`` from ``src`` to ``dst`` as one balanced entry."""
    amt = money(amount)
    if amt <= ZERO:
        raise ServiceError(_("金额必须大于零。"), code="amount_not_positive")
    return post([Line(src, -amt), Line(dst, amt)], **kwargs)


def reverse(entry: JournalEntry, *, memo: str, actor=None) -> JournalEntry:
    """Cancel an entry with its mirror image; the original stays."""
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise ServiceError(_("该凭证已被冲销。"), code="already_reversed")
    lines = [Line(p.account, -p.amount) for p in entry.postings.select_related("account")]
    return post(lines, code=f"{entry.code}.reversal", memo=memo, year=entry.year, actor=actor, reverses=entry)


def trial_balance(year: int | None = None) -> dict:
    """Sum of every posting (must be zero) and balances by account kind."""
    qs = Posting.objects.all()
    if year is not None:
        qs = qs.filter(account__year=year)
    total = qs.aggregate(s=Sum("amount"))["s"] or ZERO
    by_kind = {
        r["account__kind"]: (r["s"] or ZERO).quantize(CENT)
        for r in qs.values("account__kind").annotate(s=Sum("amount"))
    }
    return {"total": total.quantize(CENT), "by_kind": by_kind}
