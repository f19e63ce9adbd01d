"""The services of post-award subsidies and competition prizes — the only code that records due
diligence, proposes prizes, verifies post-award projects and pays them. Each takes a keyword-only
``actor``, runs in one transaction, checks permission and scope and writes the audit events."""

from techfund.awards.services.competition import (
    Schedule,
    apply_prizes,
    final_round_results,
    prize_schedule,
    record_diligence,
    schedule_tiers,
)
from techfund.awards.services.exports import export_prizes
from techfund.awards.services.payments import (
    PURPOSE,
    instruct_payment,
    kind_of,
    on_confirmed,
    paid_total,
    payable,
    verify_achievement,
)

__all__ = [
    "PURPOSE",
    "Schedule",
    "apply_prizes",
    "export_prizes",
    "final_round_results",
    "instruct_payment",
    "kind_of",
    "on_confirmed",
    "paid_total",
    "payable",
    "prize_schedule",
    "record_diligence",
    "schedule_tiers",
    "verify_achievement",
]
