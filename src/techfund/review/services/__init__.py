"""Expert review's services — the only code that changes review data.

Each takes the record and a keyword-only ``actor``, runs in one transaction, checks the actor's
permission and scope, checks the move is allowed (``review.transitions``), validates, and writes the
audit event, all or nothing.
"""

from techfund.review.services.aggregate import ranking, results
from techfund.review.services.assignments import assign, decline, submit_score, unassign
from techfund.review.services.experts import register_expert, update_expert
from techfund.review.services.rounds import close_round, create_round, open_round

__all__ = [
    "assign",
    "close_round",
    "create_round",
    "decline",
    "open_round",
    "ranking",
    "register_expert",
    "results",
    "submit_score",
    "unassign",
    "update_expert",
]
