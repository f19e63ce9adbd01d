"""Simultaneous requests: every review service locks the round first, so the load limit, the
one-score rule and closing against late scores hold on both databases."""

import threading
from decimal import Decimal

from django.db import connection

from techfund.core.errors import ServiceError
from techfund.core.services import audit
from techfund.review import services
from techfund.review.models import Assignment, RoundResult
from tests.review.conftest import assignment_of, make_application, make_expert, scores


def run_together(*calls):
    errors, barrier = [], threading.Barrier(len(calls))

    def worker(call):
        try:
            barrier.wait(timeout=30)
            call()
        except ServiceError as exc:
            errors.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_the_load_limit_holds_under_simultaneous_assignments(committing_db, draft_round, office, call):
    busy = make_expert(office, name="郑庚", max_load=1)
    apps = [make_application(call) for _ in range(3)]
    errors = run_together(
        *[lambda a=a: services.assign(draft_round, actor=office, application=a, expert=busy) for a in apps]
    )
    assert errors == ["expert_load_full", "expert_load_full"]
    assert Assignment.objects.filter(expert=busy).count() == 1
    assert audit.verify().ok


def test_one_score_however_often_submitted(committing_db, open_round, app1, expert_a):
    a = assignment_of(open_round, app1, expert_a)
    values = [scores(90, 80, 9), scores(50, 50, 5), scores(70, 70, 7)]
    errors = run_together(
        *[
            lambda v=v: services.submit_score(
                a, actor=expert_a.user, scores=v, comment="意见", recommendation="support"
            )
            for v in values
        ]
    )
    assert sorted(errors) == ["score_final", "score_final"]
    a.refresh_from_db()
    assert a.state == "submitted" and a.scores.count() == 3


def test_a_score_racing_the_close_is_counted_or_refused(
    committing_db, open_round, office, app1, app2, expert_a, expert_b
):
    services.submit_score(
        assignment_of(open_round, app1, expert_a),
        actor=expert_a.user,
        scores=scores(90, 80, 9),
        comment="好",
        recommendation="support",
    )
    services.submit_score(
        assignment_of(open_round, app2, expert_a),
        actor=expert_a.user,
        scores=scores(50, 50, 5),
        comment="好",
        recommendation="support",
    )
    late = assignment_of(open_round, app1, expert_b)
    errors = run_together(
        lambda: services.close_round(open_round, actor=office),
        lambda: services.submit_score(
            late, actor=expert_b.user, scores=scores(70, 60, 6), comment="迟", recommendation="support"
        ),
    )
    result = RoundResult.objects.get(round=open_round, application=app1)
    late.refresh_from_db()
    if errors:  # the close went first: the late score was refused and is not in the result
        assert errors == ["round_closed"] and late.state == "assigned" and result.reviews == 1
        assert result.score == Decimal("87.00")
    else:  # the score went first: the result counts it
        assert late.state == "submitted" and result.reviews == 2 and result.score == Decimal("76.00")
    assert audit.verify().ok
