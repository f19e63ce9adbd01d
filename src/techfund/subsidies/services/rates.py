"""The reference-rate table (参考利率：LPR、贷款基准利率), kept by the leading group's office.

Rows are never overwritten silently: a new rate is a new row from its effective date; a mistyped
row is corrected with a reason (the audit trail keeps the old value). Claims store the rates they
used in their breakdown, so a correction changes only claims computed afterwards.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.subsidies.compute import RatePoint
from techfund.subsidies.enums import RateKind, Tenor
from techfund.subsidies.models import ReferenceRate
from techfund.subsidies.services._common import collect, parse_date, parse_rate, raise_errors, text

SOURCE_MAX = 300


def rate_points(kind: str | None = None) -> list[RatePoint]:
    qs = ReferenceRate.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return [RatePoint(r.kind, r.tenor, r.effective_from, r.rate) for r in qs.order_by("effective_from")]


@transaction.atomic
def record_rate(*, actor, kind: str, tenor: str, effective_from, rate, source: str) -> ReferenceRate:
    """The office enters a reference rate in force from ``effective_from`` (e.g. a new LPR)."""
    role = require(actor, "subsidies.manage_rates")
    errors: dict = {}
    if kind not in RateKind.values:
        errors["kind"] = [_("请选择利率类别（LPR 或贷款基准利率）。")]
    if tenor not in Tenor.values:
        errors["tenor"] = [_("请选择期限品种（一年期或五年期以上）。")]
    day = collect(errors, parse_date, effective_from, field="effective_from", label=_("起始执行日期"))
    value = collect(errors, parse_rate, rate, field="rate", label=_("年利率"))
    source = text(
        source, field="source", label=_("来源"), max_length=SOURCE_MAX, required=True, errors=errors
    )
    if day is not None and "kind" not in errors and "tenor" not in errors:
        existing = ReferenceRate.objects.filter(kind=kind, tenor=tenor, effective_from=day).first()
        if existing is not None:
            errors.setdefault("effective_from", []).append(
                _("%(day)s 起执行的%(kind)s（%(tenor)s）已登记为 %(rate)s%%；如有错误请更正该条记录。")
                % {
                    "day": day.isoformat(),
                    "kind": RateKind(kind).label,
                    "tenor": Tenor(tenor).label,
                    "rate": existing.rate,
                }
            )
    raise_errors(errors, "rate_invalid", _("参考利率有%(n)d处需要修改。") % {"n": len(errors)})
    row = ReferenceRate.objects.create(
        kind=kind, tenor=tenor, effective_from=day, rate=value, source=source, recorded_by=actor
    )
    audit.record(
        "subsidies.rate.recorded",
        actor=actor,
        role=role,
        target=row,
        after={"kind": kind, "tenor": tenor, "effective_from": day, "rate": value, "source": source},
    )
    return row


@transaction.atomic
def correct_rate(row, *, actor, rate, source: str, reason: str) -> ReferenceRate:
    """Correct a mistyped rate (with the reason); claims already submitted keep the rate they used."""
    row = ReferenceRate.objects.select_for_update().get(pk=row.pk)
    role = require(actor, "subsidies.manage_rates")
    errors: dict = {}
    value = collect(errors, parse_rate, rate, field="rate", label=_("年利率"))
    source = text(
        source, field="source", label=_("来源"), max_length=SOURCE_MAX, required=True, errors=errors
    )
    reason = text(reason, field="reason", label=_("更正原因"), max_length=300, required=True, errors=errors)
    raise_errors(errors, "rate_invalid", _("参考利率有%(n)d处需要修改。") % {"n": len(errors)})
    if value == row.rate and source == row.source:
        raise ServiceError(_("更正后的利率和来源与原记录相同，无需更正。"), code="rate_unchanged")
    before = {"rate": row.rate, "source": row.source}
    row.rate, row.source = value, source
    row.save(update_fields=["rate", "source"])
    audit.record(
        "subsidies.rate.corrected",
        actor=actor,
        role=role,
        target=row,
        before=before,
        after={"rate": value, "source": source},
        reason=reason,
    )
    return row


def seed_published(today: dt.date | None = None) -> int:
    """Enter the published rates of ``published_rates`` that are not yet in the table (no actor: the
    product's own seed, marked with its source). Returns how many rows were added."""
    from techfund.subsidies.published_rates import PUBLISHED

    added = 0
    for kind, tenor, day, rate, source in PUBLISHED:
        if today is not None and day > today:
            continue
        _row, created = ReferenceRate.objects.get_or_create(
            kind=kind, tenor=tenor, effective_from=day, defaults={"rate": rate, "source": source}
        )
        added += created
    return added
