"""The allowed moves of an equity investment and of its two-person steps, as data
(see ``techfund.core.transitions``).

Investment::

    committed ──first stage paid──► invested ──先投后股 converts──► converted
                                       │  └──先投后股 written off──► written_off
                                       └──────────exit──────────────► exited ◄──exit── converted

Write-off and exit (办公室提出 → 财政部门确认)::

    proposed ──finance confirms──► confirmed   (the money moves in the same transaction)
        └─────finance rejects────► rejected
"""

from techfund.core.errors import ServiceError
from techfund.core.transitions import Move, Table
from techfund.equity.enums import Instrument
from techfund.equity.enums import InvestmentState as S
from techfund.equity.enums import StepState as P


def _invest_then_equity(investment, **context) -> None:
    if investment.instrument != Instrument.INVEST_THEN_EQUITY:
        from django.utils.translation import gettext as _

        raise ServiceError(
            _("投资 %(number)s 的投资方式为“%(instrument)s”：只有先投后股可以转股或核销。")
            % {"number": investment.number, "instrument": Instrument(investment.instrument).label},
            code="not_invest_then_equity",
        )


INVESTMENT = Table(
    {
        (S.COMMITTED, S.INVESTED): Move("equity.pay"),
        (S.INVESTED, S.CONVERTED): Move("equity.convert", guard=_invest_then_equity),
        (S.INVESTED, S.WRITTEN_OFF): Move("equity.confirm_write_off", guard=_invest_then_equity),
        (S.INVESTED, S.EXITED): Move("equity.confirm_exit"),
        (S.CONVERTED, S.EXITED): Move("equity.confirm_exit"),
    },
    labels=S,
)

WRITE_OFF = Table(
    {
        (P.PROPOSED, P.CONFIRMED): Move("equity.confirm_write_off"),
        (P.PROPOSED, P.REJECTED): Move("equity.confirm_write_off"),
    },
    labels=P,
)

EXIT = Table(
    {
        (P.PROPOSED, P.CONFIRMED): Move("equity.confirm_exit"),
        (P.PROPOSED, P.REJECTED): Move("equity.confirm_exit"),
    },
    labels=P,
)
