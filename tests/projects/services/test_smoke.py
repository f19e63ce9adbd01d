from techfund.core.models import Account
from techfund.core.services import ledger


def test_a_project_runs_from_arrangement_to_first_payment(paid, project, contract):
    project.refresh_from_db()
    assert project.state == "in_progress"
    assert contract.tranches.get(seq=1).amount + contract.tranches.get(seq=2).amount == project.amount
    unpaid = ledger.balance(Account.objects.get(code=f"fund:2026:commitment:{project.number}"))
    out = ledger.balance(Account.objects.get(code=f"fund:2026:disbursed:{project.number}"))
    assert out == paid.amount and unpaid + out == project.amount
