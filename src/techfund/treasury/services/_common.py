"""Helpers shared by the treasury services (not part of the public interface)."""

from django.db.models import Sum
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.services.ledger import ZERO


def source_key(source) -> tuple[str, str]:
    """The (model label, pk) naming the record an instruction pays."""
    if source is None or getattr(source, "pk", None) is None:
        raise ServiceError(_("支付指令必须对应一条已保存的业务记录。"), code="source_missing")
    return source._meta.label_lower, str(source.pk)


def total(qs) -> object:
    return qs.aggregate(s=Sum("amount"))["s"] or ZERO


def refuse(errors: dict, *, code: str, many: str) -> None:
    """Raise one ServiceError listing every message of ``errors`` (nothing when empty)."""
    if not errors:
        return
    msgs = [str(m) for ms in errors.values() for m in ms]
    raise ServiceError(
        msgs[0] if len(msgs) == 1 else many % {"n": len(msgs)},
        code=code,
        errors=errors,
    )


def add(errors: dict, field: str, msg) -> None:
    errors.setdefault(field, []).append(msg)


__all__ = ["ZERO", "add", "refuse", "source_key", "total"]
