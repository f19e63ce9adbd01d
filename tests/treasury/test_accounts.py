"""收款账户: every validation message, the unit keeps its own account, another person verifies it,
and a change never overwrites the history."""

import pytest

from techfund.core.errors import NotAllowed, ServiceError
from techfund.treasury import services
from techfund.treasury.enums import AccountState
from techfund.treasury.models import PayeeAccount
from tests import factories
from tests.treasury.conftest import BANK_CODE


def _record(org, actor, **kw):
    data = {
        "account_name": org.name,
        "bank_name": "中国银行日照分行",
        "account_number": "1234567890123",
        "bank_code": BANK_CODE,
        **kw,
    }
    return services.record_account(org, actor=actor, **data)


def test_every_field_has_its_own_message(project, unit_user):
    org = project.organisation
    with pytest.raises(ServiceError) as exc:
        _record(
            org,
            unit_user,
            account_name="别的公司",
            bank_name="",
            account_number="6222-0210",
            bank_code="10247",
        )
    e = exc.value.errors
    assert e["account_name"] == [
        f"户名“别的公司”与单位登记名称“{org.name}”不一致，国库只能向单位本名账户支付。"
    ]
    assert e["bank_name"] == ["请填写开户银行。"]
    assert e["account_number"] == ["银行账号只能由数字组成（“6222-0210”含有其他字符）。"]
    assert e["bank_code"] == ["联行号应为12位数字，填写的是5位。"]
    assert str(exc.value) == "收款账户有4处需要修改。"
    assert not PayeeAccount.objects.exists()


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("1234567", "银行账号应为8至32位数字，填写的是7位。"),
        ("1" * 33, "银行账号应为8至32位数字，填写的是33位。"),
        ("", "请填写银行账号。"),
        ("１２３４５６７８９", "银行账号只能由数字组成（“１２３４５６７８９”含有其他字符）。"),
    ],
)
def test_account_number_rules(project, unit_user, number, message):
    with pytest.raises(ServiceError) as exc:
        _record(project.organisation, unit_user, account_number=number)
    assert exc.value.errors == {"account_number": [message]}


def test_spaces_are_removed_and_bounds_accepted(project, unit_user):
    acc = _record(project.organisation, unit_user, account_number="1234 5678", bank_code="1024 7300 0012")
    assert (acc.account_number, acc.bank_code, acc.state) == (
        "12345678",
        "102473000012",
        AccountState.PENDING,
    )
    acc2 = _record(project.organisation, unit_user, account_number="9" * 32)
    acc.refresh_from_db()
    assert acc.state == AccountState.SUPERSEDED and acc2.state == AccountState.PENDING


def test_bank_code_letters(project, unit_user):
    with pytest.raises(ServiceError) as exc:
        _record(project.organisation, unit_user, bank_code="10247300001X")
    assert exc.value.errors == {"bank_code": ["联行号只能由数字组成（“10247300001X”含有其他字符）。"]}


def test_verification_by_another_person_and_history_kept(project, unit_user, finance, finance2):
    org = project.organisation
    first = _record(org, finance)
    with pytest.raises(ServiceError) as exc:
        services.verify_account(first, actor=finance)
    assert exc.value.code == "same_person"
    with pytest.raises(NotAllowed):
        services.verify_account(first, actor=unit_user)
    services.verify_account(first, actor=finance2)
    assert services.active_account(org) == first
    second = _record(org, unit_user, account_number="88888888")
    assert services.active_account(org) == first  # still the old one until verified
    with pytest.raises(ServiceError) as exc:
        services.verify_account(second, actor=finance2, approve=False)
    assert exc.value.errors == {"opinion": ["核验不通过时请填写意见。"]}
    services.verify_account(second, actor=finance2)
    first.refresh_from_db()
    assert first.state == AccountState.SUPERSEDED and first.account_number == "1234567890123"
    assert services.active_account(org) == second
    assert PayeeAccount.objects.filter(organisation=org).count() == 2


def test_applicant_only_for_own_organisation(project, unit_user):
    other = factories.organisation()
    with pytest.raises(NotAllowed):
        _record(other, unit_user)
