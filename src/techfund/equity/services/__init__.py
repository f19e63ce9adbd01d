"""The services of the equity stage — the only code that creates and moves investments, stages,
conversions, write-offs and exits. Each takes the record and a keyword-only ``actor`` (and ``today=``),
runs in one transaction, checks permission and scope, checks the transition tables, moves money
through the ledger and writes the audit events.
"""

from techfund.equity.services._common import check_stake, compute_share, max_allowed_amount, pct
from techfund.equity.services.conversion import record_conversion
from techfund.equity.services.exports import export_portfolio
from techfund.equity.services.investments import register_investment
from techfund.equity.services.portfolio import Holding, PilotShare, holdings, pilot_share
from techfund.equity.services.stages import PURPOSE, instruct_stage, stage_paid, stage_returned
from techfund.equity.services.steps import (
    confirm_exit,
    confirm_write_off,
    propose_exit,
    propose_write_off,
    split_proceeds,
)

__all__ = [
    "PURPOSE",
    "Holding",
    "PilotShare",
    "check_stake",
    "compute_share",
    "confirm_exit",
    "confirm_write_off",
    "export_portfolio",
    "holdings",
    "instruct_stage",
    "max_allowed_amount",
    "pct",
    "pilot_share",
    "propose_exit",
    "propose_write_off",
    "record_conversion",
    "register_investment",
    "split_proceeds",
    "stage_paid",
    "stage_returned",
]
