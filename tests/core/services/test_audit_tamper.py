"""Tampering with the audit trail by raw SQL, on SQLite and PostgreSQL alike.

First the database itself refuses a plain UPDATE/DELETE (triggers). Then, acting as someone with the
rights to disable the triggers, each kind of tampering is done and ``manage.py audit_verify`` must
exit non-zero and name the first bad event. The DDL runs inside the test's transaction, so it is
rolled back with it on both databases.
"""

import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from techfund.core.models import AuditEvent, AuditHead
from techfund.core.services import audit
from tests import factories

COLUMNS = (
    "seq, at, actor_id, actor_name, role, action, target_type, target_id, target_repr, before, after, data, "
    "reason, request_id, algorithm, prev_hash, hash"
)


@pytest.fixture
def chain(db):
    """At least eight events (accounts, grants, an organisation)."""
    factories.user("office")
    factories.user("applicant")
    factories.user("expert")
    factories.user("finance")
    assert AuditEvent.objects.count() >= 8
    assert audit.verify().ok
    return list(AuditEvent.objects.order_by("seq"))


def disable_triggers():
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        else:
            cur.execute("DROP TRIGGER core_auditevent_no_update")
            cur.execute("DROP TRIGGER core_auditevent_no_delete")


def sql(statement, params=()):
    with connection.cursor() as cur:
        cur.execute(statement, params)


def verify_fails() -> str:
    with pytest.raises(CommandError) as exc:
        call_command("audit_verify")
    assert exc.value.returncode == 1
    return str(exc.value)


def test_intact_chain_verifies(chain, capsys):
    call_command("audit_verify")
    assert capsys.readouterr().out.strip() == f"OK: {len(chain)} events verified"
    call_command("audit_verify", "--quiet")
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditevent SET reason = 'rewritten' WHERE seq = 3",
        "DELETE FROM core_auditevent WHERE seq = 3",
    ],
)
def test_the_database_refuses_raw_update_and_delete(chain, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(statement)
    assert AuditEvent.objects.get(seq=3).reason == chain[2].reason
    call_command("audit_verify", "--quiet")


def test_edited_middle_event_is_named(chain):
    disable_triggers()
    sql("UPDATE core_auditevent SET reason = %s WHERE seq = 4", ["补录（篡改）"])
    message = verify_fails()
    assert message.startswith(f"FAILED: first bad event seq 4 (id {chain[3].id}): ")
    assert "content does not match its hash (edited)" in message


def test_edited_target_with_recomputed_hash_breaks_the_next_link(chain):
    """A forger who recomputes the edited row's hash still breaks the link of the event after it."""
    disable_triggers()
    ev = AuditEvent.objects.get(seq=4)
    ev.reason = "补录（篡改）"
    sql(
        "UPDATE core_auditevent SET reason = %s, hash = %s WHERE seq = 4",
        [ev.reason, audit.compute_hash(ev)],
    )
    message = verify_fails()
    assert "seq 5" in message and "previous hash does not link" in message


def _insert(ev: AuditEvent):
    values = [
        ev.seq,
        ev.at,
        ev.actor_id,
        ev.actor_name,
        ev.role,
        ev.action,
        ev.target_type,
        ev.target_id,
        ev.target_repr,
        None,
        None,
        None,
        ev.reason,
        ev.request_id,
        ev.algorithm,
        ev.prev_hash,
        ev.hash,
    ]
    placeholders = ", ".join(["%s"] * len(values))
    sql(f"INSERT INTO core_auditevent ({COLUMNS}) VALUES ({placeholders})", values)


def _forged(seq: int, prev: AuditEvent, **kw) -> AuditEvent:
    ev = AuditEvent(
        seq=seq,
        at=prev.at,
        actor_id=prev.actor_id,
        actor_name=prev.actor_name,
        role="office",
        action="fund.framework.approved",
        target_type="funds.framework",
        target_id="1",
        target_repr="伪造的审定",
        reason="伪造",
        request_id="",
        algorithm="sha256",
        prev_hash=prev.hash,
    )
    for k, v in kw.items():
        setattr(ev, k, v)
    return ev


def test_forged_last_event_with_made_up_hash_is_named(chain):
    last = chain[-1]
    forged = _forged(last.seq + 1, last, hash=hashlib.sha256(b"made up").hexdigest())
    _insert(forged)  # an INSERT needs no trigger to be disabled
    message = verify_fails()
    assert f"seq {last.seq + 1}" in message and "content does not match its hash" in message


def test_forged_last_event_with_a_correct_hash_is_caught_by_the_head(chain):
    last = chain[-1]
    forged = _forged(last.seq + 1, last)
    forged.hash = audit.compute_hash(forged)
    _insert(forged)
    message = verify_fails()
    assert f"seq {last.seq + 1}" in message and "appended outside the audit service" in message


def test_event_forged_into_the_middle_is_named(chain):
    """Make room at seq 4 by shifting the later events up, then insert a forged event there."""
    disable_triggers()
    sql("UPDATE core_auditevent SET seq = seq + 100000 WHERE seq >= 4")
    sql("UPDATE core_auditevent SET seq = seq - 99999 WHERE seq >= 100000")
    forged = _forged(4, chain[2])
    forged.hash = audit.compute_hash(forged)  # even with a correctly computed hash
    _insert(forged)
    message = verify_fails()
    forged_id = AuditEvent.objects.get(seq=4).id
    assert f"FAILED: first bad event seq 4 (id {forged_id}): " in message
    assert "inserted later" in message


def test_deleted_middle_event_names_the_event_after_the_gap(chain):
    disable_triggers()
    sql("DELETE FROM core_auditevent WHERE seq = 5")
    message = verify_fails()
    assert message.startswith(f"FAILED: first bad event seq 6 (id {chain[5].id}): ")
    assert "sequence 6, expected 5: missing event(s) before it" in message


def test_truncated_tail_is_detected_by_the_head(chain):
    disable_triggers()
    n = len(chain)
    sql("DELETE FROM core_auditevent WHERE seq > %s", [n - 2])
    message = verify_fails()
    assert f"seq {n - 1} (id -)" in message
    assert f"the chain ends at {n - 2} but the head records {n}: events missing at the end" in message


def test_verify_in_small_batches(chain):
    """Batches smaller than the chain read on to its end; the head then agrees."""
    result = audit.verify(batch_size=3)
    assert result.ok and result.checked == len(chain)
    with transaction.atomic():
        factories.user()
    assert audit.verify(batch_size=2).ok
    assert AuditHead.objects.get().seq == AuditEvent.objects.count()


def test_a_complete_rewrite_with_a_moved_head_is_caught_by_the_seal(chain):
    """The strongest forger: edits an event, recomputes every later hash and moves the head too.

    Every link and hash is then consistent; only the head's seal — an HMAC under a key the database
    does not hold — gives it away.
    """
    disable_triggers()
    events = list(AuditEvent.objects.order_by("seq"))
    prev_hash = events[2].hash
    for ev in events[3:]:
        if ev.seq == 4:
            ev.reason = "篡改后重算全部摘要"
        ev.prev_hash = prev_hash
        ev.hash = audit.compute_hash(ev)
        sql(
            "UPDATE core_auditevent SET reason = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [ev.reason, ev.prev_hash, ev.hash, ev.seq],
        )
        prev_hash = ev.hash
    sql("UPDATE core_audithead SET hash = %s WHERE id = 1", [prev_hash])
    message = verify_fails()
    assert f"seq {events[-1].seq}" in message and "seal does not match" in message


def test_the_seal_follows_every_append(chain):
    head = AuditHead.objects.get()
    assert head.seal == audit.seal(head.seq, head.hash)
