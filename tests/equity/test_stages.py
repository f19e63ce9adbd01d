"""Staged payments: the ``equity_stage`` purpose's handlers (the treasury import calls them), and the
instruction's checks: never beyond the committed amount, pending instructions included."""

import types
from decimal import Decimal

import pytest

from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent
from techfund.equity import services
from techfund.equity.models import Stage
from techfund.treasury.registry import purpose
from tests.equity.conftest import PAID_ON, assert_identity, disbursed, nothing_saved, pay, unpaid


def test_purpose_registered():
    p = purpose("equity_stage")
    assert p.on_confirmed is services.stage_paid and p.on_returned is services.stage_returned


def test_stage_paid_moves_commitment_to_disbursed(direct, eq_project, finance):
    before = unpaid(eq_project)
    s1 = direct.stages.get(seq=1)
    entry = pay(s1, finance)
    s1.refresh_from_db()
    direct.refresh_from_db()
    assert (s1.state, s1.paid_on, s1.entry_id) == ("paid", PAID_ON, entry.pk)
    assert direct.state == "invested"
    assert unpaid(eq_project) == before - Decimal("1200000.00")
    assert disbursed(eq_project) == Decimal("1200000.00")
    ev = AuditEvent.objects.get(action="equity.stage.paid")
    assert ev.role == "finance" and ev.target_id == str(s1.pk)
    assert_identity(direct)
    pay(direct.stages.get(seq=2), finance)
    assert disbursed(eq_project) == Decimal("2000000.00")
    assert_identity(direct)


def test_stage_confirmed_twice_refused(direct, finance):
    s1 = direct.stages.get(seq=1)
    pay(s1, finance)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        pay(s1, finance)
    assert exc.value.code == "stage_not_planned"


def test_amount_mismatch_refused(direct, finance):
    s1 = direct.stages.get(seq=1)
    fake = types.SimpleNamespace(pk=None, source_id=str(s1.pk), amount=Decimal("1.00"))
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.stage_paid(fake, actor=finance, paid_on=PAID_ON, treasury_ref="X")
    assert exc.value.code == "amount_mismatch"


def test_returned_leaves_stage_payable(direct, finance):
    s1 = direct.stages.get(seq=1)
    fake = types.SimpleNamespace(pk=None, source_id=str(s1.pk), amount=s1.amount)
    services.stage_returned(fake, actor=finance, reason="账号有误")
    s1.refresh_from_db()
    assert s1.state == "planned"
    assert AuditEvent.objects.filter(action="equity.stage.returned").count() == 1


def test_stages_must_add_up_to_the_amount(eq_project, office):
    from tests.equity.conftest import register_direct

    with nothing_saved(), pytest.raises(ServiceError) as exc:
        register_direct(eq_project, office, stages=[{"amount": "1000000.00", "condition": "签约后"}])
    assert "出资计划合计 1,000,000.00 元，应等于投资金额 2,000,000.00 元" in str(exc.value.message)


def test_not_staged_policy_allows_one_stage(eq_project, office):
    from tests.equity.conftest import register_direct

    profile = eq_project.fund_year.profile
    profile.rules["equity"]["staged"] = False
    profile.save(update_fields=["rules"])
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        register_direct(eq_project, office)
    assert "出资计划只能有一期" in str(exc.value.message)
    assert not Stage.objects.exists()
