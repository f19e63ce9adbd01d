"""The services of this stage — the only code that changes proposal lists, decisions, publicity and
objections. Each takes the record and a keyword-only ``actor`` (``file_objection`` takes none: the
public files it), runs in one transaction, checks permission and scope, checks the move against the
transition tables, moves money through the ledger and writes the audit event, all or nothing.
"""

from techfund.decisions.services.batches import (
    create_batch,
    decide_item,
    latest_result,
    propose_item,
    remaining_allocation,
    remaining_by_area,
    remove_item,
    submit_batch,
)
from techfund.decisions.services.publicity import (
    PUBLIC,
    end_publicity,
    file_objection,
    final_list,
    next_working_day,
    publicity_items,
    publicity_period,
    publish_publicity,
    resolve_objection,
)

__all__ = [
    "PUBLIC",
    "create_batch",
    "decide_item",
    "end_publicity",
    "file_objection",
    "final_list",
    "latest_result",
    "next_working_day",
    "propose_item",
    "publicity_items",
    "publicity_period",
    "publish_publicity",
    "remaining_allocation",
    "remaining_by_area",
    "remove_item",
    "resolve_objection",
    "submit_batch",
]
