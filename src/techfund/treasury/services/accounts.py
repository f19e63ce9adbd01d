"""收款账户: the implementing unit's bank account the treasury pays into.

The unit's applicant (or finance, from a paper form) records the account; it is pending until
finance verifies it — another person than the one who recorded it. Verifying makes it the
organisation's account in use and marks the previous one superseded; nothing is overwritten, so an
instruction always shows the account it was made to (it also keeps a copy of the details).
Recording a new account while another is pending supersedes the pending one.

Checks (``account_problems``), each with its own message:
- 户名 equals the organisation's registered name exactly (the treasury returns payments otherwise);
- 开户银行 given (≤ 100 characters);
- 银行账号 digits only, 8–32 digits after removing spaces;
- 联行号 (CNAPS) exactly 12 digits.
"""

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.treasury.enums import AccountState
from techfund.treasury.models import PayeeAccount
from techfund.treasury.scopes import visible_accounts
from techfund.treasury.services._common import add, refuse

OPINION_MAX = 300


def normalise_number(value) -> str:
    """Remove spaces (ordinary, full-width and tabs) and hyphens are NOT removed: they are an error."""
    return re.sub(r"[\s\u3000]+", "", str(value or ""))


def account_problems(*, organisation, account_name, bank_name, account_number, bank_code) -> dict:
    errors: dict = {}
    name = (account_name or "").strip()
    if not name:
        add(errors, "account_name", _("请填写户名。"))
    elif name != organisation.name:
        add(
            errors,
            "account_name",
            _("户名“%(name)s”与单位登记名称“%(org)s”不一致，国库只能向单位本名账户支付。")
            % {"name": name, "org": organisation.name},
        )
    bank = (bank_name or "").strip()
    if not bank:
        add(errors, "bank_name", _("请填写开户银行。"))
    elif len(bank) > 100:
        add(errors, "bank_name", _("开户银行不能超过100个字符。"))
    number = normalise_number(account_number)
    if not number:
        add(errors, "account_number", _("请填写银行账号。"))
    elif not number.isdigit() or not number.isascii():
        add(
            errors,
            "account_number",
            _("银行账号只能由数字组成（“%(v)s”含有其他字符）。") % {"v": account_number},
        )
    elif not 8 <= len(number) <= 32:
        add(
            errors,
            "account_number",
            _("银行账号应为8至32位数字，填写的是%(n)d位。") % {"n": len(number)},
        )
    code = normalise_number(bank_code)
    if not code:
        add(errors, "bank_code", _("请填写联行号。"))
    elif not code.isdigit() or not code.isascii():
        add(errors, "bank_code", _("联行号只能由数字组成（“%(v)s”含有其他字符）。") % {"v": bank_code})
    elif len(code) != 12:
        add(errors, "bank_code", _("联行号应为12位数字，填写的是%(n)d位。") % {"n": len(code)})
    return errors


def _snapshot(acc: PayeeAccount) -> dict:
    return {
        "account_name": acc.account_name,
        "bank_name": acc.bank_name,
        "account_number": acc.account_number,
        "bank_code": acc.bank_code,
        "state": acc.state,
    }


@transaction.atomic
def record_account(
    organisation, *, actor, account_name, bank_name, account_number, bank_code
) -> PayeeAccount:
    """Record a (new) payee account for ``organisation``; it waits for finance's verification."""
    from techfund.core.models import Organisation

    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    role = require(actor, "treasury.record_account", organisation)
    errors = account_problems(
        organisation=organisation,
        account_name=account_name,
        bank_name=bank_name,
        account_number=account_number,
        bank_code=bank_code,
    )
    refuse(errors, code="account_invalid", many=_("收款账户有%(n)d处需要修改。"))
    now = timezone.now()
    replaced = list(PayeeAccount.objects.filter(organisation=organisation, state=AccountState.PENDING))
    for old in replaced:
        old.state = AccountState.SUPERSEDED
        old.superseded_at = now
        old.opinion = old.opinion or _("核验前已重新登记")
        old.save(update_fields=["state", "superseded_at", "opinion"])
    acc = PayeeAccount.objects.create(
        organisation=organisation,
        account_name=account_name.strip(),
        bank_name=bank_name.strip(),
        account_number=normalise_number(account_number),
        bank_code=normalise_number(bank_code),
        recorded_by=actor,
    )
    audit.record(
        "treasury.account.recorded",
        actor=actor,
        role=role,
        target=acc,
        after=_snapshot(acc),
        data={"organisation": organisation.pk, "superseded_pending": [a.pk for a in replaced]},
    )
    return acc


@transaction.atomic
def verify_account(account, *, actor, approve: bool = True, opinion: str = "") -> PayeeAccount:
    """Finance checks a pending account against the unit's bank certificate (开户许可/银行证明):
    approved, it becomes the account in use (the previous one is superseded); rejected, it stays
    on record with the opinion. The verifier is never the person who recorded it."""
    from techfund.core.models import Organisation

    Organisation.objects.select_for_update().get(pk=account.organisation_id)
    account = PayeeAccount.objects.select_for_update().get(pk=account.pk)
    role = require(actor, "treasury.verify_account", account, visible=visible_accounts(actor))
    if account.state != AccountState.PENDING:
        raise ServiceError(
            _("该收款账户当前状态为“%(s)s”，不能核验。") % {"s": AccountState(account.state).label},
            code="account_not_pending",
        )
    if account.recorded_by_id == actor.pk:
        raise ServiceError(_("收款账户由您登记，须由财政部门其他人员核验。"), code="same_person")
    opinion = (opinion or "").strip()
    errors: dict = {}
    if len(opinion) > OPINION_MAX:
        add(errors, "opinion", _("核验意见不能超过%(n)s个字符。") % {"n": OPINION_MAX})
    if not approve and not opinion:
        add(errors, "opinion", _("核验不通过时请填写意见。"))
    if approve:
        for field, msgs in account_problems(
            organisation=account.organisation,
            account_name=account.account_name,
            bank_name=account.bank_name,
            account_number=account.account_number,
            bank_code=account.bank_code,
        ).items():
            for m in msgs:
                add(errors, field, m)
    refuse(errors, code="verify_invalid", many=_("核验有%(n)d处问题。"))
    before = _snapshot(account)
    now = timezone.now()
    previous = None
    if approve:
        previous = PayeeAccount.objects.filter(
            organisation_id=account.organisation_id, state=AccountState.VERIFIED
        ).first()
        if previous is not None:
            previous.state = AccountState.SUPERSEDED
            previous.superseded_at = now
            previous.save(update_fields=["state", "superseded_at"])
    account.state = AccountState.VERIFIED if approve else AccountState.REJECTED
    account.verified_by = actor
    account.verified_at = now
    account.opinion = opinion
    account.save(update_fields=["state", "verified_by", "verified_at", "opinion"])
    audit.record(
        "treasury.account.verified" if approve else "treasury.account.rejected",
        actor=actor,
        role=role,
        target=account,
        before=before,
        after=_snapshot(account),
        data={"superseded": previous.pk if previous else None},
        reason=opinion,
    )
    return account
