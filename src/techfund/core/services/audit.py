"""Writing and verifying the hash-chained audit trail.

``record()`` must be called inside the transaction of the change it records (it refuses to run
outside one). It locks the single ``AuditHead`` row, so events are appended one at a time in a
gapless sequence even under concurrent requests, and the chain never forks.

The hash of an event is ``H(canonical(event))`` where ``canonical`` is compact JSON with sorted keys
of every recorded field plus the previous hash; ``H`` is SHA-256 or SM3 (``AUDIT_HASH_ALGORITHM``),
and each event stores the algorithm it used.
"""

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from techfund.core.context import current_request_id
from techfund.core.models import AuditEvent, AuditHead

GENESIS = "0" * 64
ALGORITHMS = ("sha256", "sm3")


def jsonable(value):
    """Plain JSON types only (Decimal → str with its places, dates → ISO), so hashes are stable."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "value") and hasattr(value, "label"):  # a Choices member
        return value.value
    return str(value)


def _digest(algorithm: str, payload: bytes) -> str:
    if algorithm == "sha256":
        return hashlib.sha256(payload).hexdigest()
    if algorithm == "sm3":
        from gmssl import func, sm3

        return sm3.sm3_hash(func.bytes_to_list(payload))
    raise ValueError(f"unknown audit hash algorithm {algorithm!r}")


def canonical(ev: AuditEvent) -> bytes:
    doc = {
        "seq": ev.seq,
        "at": ev.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": ev.actor_id,
        "actor_name": ev.actor_name,
        "role": ev.role,
        "action": ev.action,
        "target_type": ev.target_type,
        "target_id": ev.target_id,
        "target_repr": ev.target_repr,
        "before": ev.before,
        "after": ev.after,
        "data": ev.data,
        "reason": ev.reason,
        "request_id": ev.request_id,
        "algorithm": ev.algorithm,
        "prev": ev.prev_hash,
    }
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def compute_hash(ev: AuditEvent) -> str:
    return _digest(ev.algorithm, canonical(ev))


def target_type_of(target) -> str:
    if isinstance(target, models.Model):
        return target._meta.label_lower
    return type(target).__name__.lower()


def record(
    action: str,
    *,
    actor,
    role: str = "",
    target,
    before: dict | None = None,
    after: dict | None = None,
    data: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event. ``action`` is a code such as ``fund.framework.approved``; see ``audit_actions``."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction of the change it records")
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
    algorithm = getattr(settings, "AUDIT_HASH_ALGORITHM", "sha256")
    if algorithm not in ALGORITHMS:
        raise ValueError(f"AUDIT_HASH_ALGORITHM must be one of {ALGORITHMS}")
    at = timezone.now()
    # Microsecond precision is kept by both SQLite and PostgreSQL, so the hash survives a round trip.
    ev = AuditEvent(
        seq=head.seq + 1,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        role=str(role or ""),
        action=action,
        target_type=target_type_of(target),
        target_id=str(getattr(target, "pk", target)),
        target_repr=str(target)[:300],
        before=jsonable(before),
        after=jsonable(after),
        data=jsonable(data),
        reason=reason or "",
        request_id=current_request_id(),
        algorithm=algorithm,
        prev_hash=head.hash,
    )
    ev.hash = compute_hash(ev)
    ev.save()
    AuditHead.objects.filter(id=1).update(seq=ev.seq, hash=ev.hash, seal=seal(ev.seq, ev.hash))
    return ev


def seal(seq: int, hash_: str) -> str:
    """The head's seal: HMAC-SHA256 under ``AUDIT_SEAL_KEY``, a key kept outside the database."""
    key = settings.AUDIT_SEAL_KEY.encode("utf-8")
    return hmac.new(key, f"{seq}:{hash_}".encode("ascii"), hashlib.sha256).hexdigest()


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    problem: str = ""


def verify(batch_size: int = 5000) -> VerifyResult:
    """Recompute the chain from the first event, in sequence order. Names the first event that breaks it.

    Detects an edited row (its hash no longer matches its content), a deleted row (a gap in the
    sequence: the event after the gap is named), an inserted row (a previous hash that does not link,
    a made-up hash, or a row stored after events that follow it in the chain) and a truncated tail or
    rows appended behind the audit service's back (the head disagrees with the end of the chain).

    Events appended while the check runs are checked too: when the head has moved past the end of
    what was read, the check reads on, so concurrent writers never cause a false alarm.
    """
    stray = AuditEvent.objects.filter(seq__lt=1).order_by("seq").first()
    if stray is not None:
        return VerifyResult(
            False, 0, stray.seq, stray.id, f"sequence {stray.seq} is before the first event: inserted"
        )
    prev_hash = GENESIS
    expected_seq = 1
    prev_id = 0
    checked = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch_size])
        for ev in rows:
            checked += 1
            if ev.seq != expected_seq:
                return VerifyResult(
                    False,
                    checked,
                    ev.seq,
                    ev.id,
                    f"sequence {ev.seq}, expected {expected_seq}: missing event(s) before it",
                )
            if ev.id <= prev_id:
                # The event before this one was stored after it: that one was slipped in later.
                return VerifyResult(
                    False,
                    checked,
                    ev.seq - 1,
                    prev_id,
                    f"stored after the event that follows it (seq {ev.seq}, id {ev.id}): inserted later",
                )
            if ev.prev_hash != prev_hash:
                return VerifyResult(
                    False, checked, ev.seq, ev.id, "previous hash does not link to the event before it"
                )
            if ev.algorithm not in ALGORITHMS or compute_hash(ev) != ev.hash:
                return VerifyResult(False, checked, ev.seq, ev.id, "content does not match its hash (edited)")
            prev_hash = ev.hash
            prev_id = ev.id
            expected_seq += 1
        if len(rows) == batch_size:
            continue
        # The end of the chain as read; compare with the head (which moves only with a new event).
        head = AuditHead.objects.filter(id=1).first()
        head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
        last = expected_seq - 1
        if head_seq > last and AuditEvent.objects.filter(seq__gte=expected_seq).exists():
            continue  # appended while we read: check those too
        if head_seq > last:
            return VerifyResult(
                False,
                checked,
                expected_seq,
                None,
                f"the chain ends at {last} but the head records {head_seq}: events missing at the end",
            )
        if head_seq < last:
            bad = AuditEvent.objects.get(seq=head_seq + 1)
            return VerifyResult(
                False,
                checked,
                bad.seq,
                bad.id,
                f"the head records {head_seq} but the chain ends at {last}: event(s) appended outside the audit service",
            )
        if head_hash != prev_hash:
            bad = AuditEvent.objects.get(seq=last)
            return VerifyResult(
                False, checked, bad.seq, bad.id, "the last event does not match the head's hash (replaced)"
            )
        if head is not None and last > 0 and not hmac.compare_digest(head.seal, seal(head_seq, head_hash)):
            bad = AuditEvent.objects.get(seq=last)
            return VerifyResult(
                False,
                checked,
                bad.seq,
                bad.id,
                "the head's seal does not match: the chain was rewritten outside the application "
                "(or AUDIT_SEAL_KEY changed)",
            )
        return VerifyResult(True, checked)


def snapshot(obj, fields) -> dict:
    """The values of ``fields`` on ``obj``, for an event's before/after."""
    out = {}
    for f in fields:
        value = getattr(obj, f)
        out[f] = value.pk if isinstance(value, models.Model) else value
    return out


def trail_for(target):
    """The events about one object, oldest first (its 'who did what, when, why')."""
    return AuditEvent.objects.filter(
        target_type=target_type_of(target), target_id=str(target.pk)
    ).select_related("actor")


__all__ = ["record", "verify", "trail_for", "snapshot", "jsonable", "transaction"]
