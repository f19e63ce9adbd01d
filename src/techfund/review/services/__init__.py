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

# ---- pool: the expert pool and conflicts (回避) ----
from techfund.review.services.conflicts import (  # noqa: E402
    check_round_conflicts,
    eligible_experts,
    find_conflicts,
    pair_conflicts,
    record_conflicts,
)
from techfund.review.services.exclusions import add_exclusion, remove_exclusion  # noqa: E402
from techfund.review.services.experts import (  # noqa: E402
    add_availability,
    declare_relation,
    remove_availability,
    set_status,
    sign_pledge,
    update_own_profile,
    withdraw_relation,
)
from techfund.review.services.pool_import import import_experts  # noqa: E402

__all__ += [
    "add_availability",
    "add_exclusion",
    "check_round_conflicts",
    "declare_relation",
    "eligible_experts",
    "find_conflicts",
    "import_experts",
    "pair_conflicts",
    "record_conflicts",
    "remove_availability",
    "remove_exclusion",
    "set_status",
    "sign_pledge",
    "update_own_profile",
    "withdraw_relation",
]

# ---- scoring: trimmed mean, disagreement, calibration and the results export ----
from techfund.review.services.aggregate import disputed, export_results, peer_scores  # noqa: E402

__all__ += ["disputed", "export_results", "peer_scores"]

# ---- plans: assignment plans, acceptance and replacement of experts who decline ----
from techfund.review.services.assignments import accept, replace  # noqa: E402
from techfund.review.services.plans import create_plan, discard_plan, release_plan  # noqa: E402

__all__ += ["accept", "create_plan", "discard_plan", "release_plan", "replace"]

# ---- meetings: 会议论证 and 现场考核 ----
from techfund.review.services.meetings import (  # noqa: E402
    cancel_meeting,
    change_panel,
    create_panel,
    meeting_results,
    record_meeting,
    schedule_meeting,
)
from techfund.review.services.site_visits import (  # noqa: E402
    add_site_visit_attachment,
    record_site_visit,
    site_visit_results,
)

__all__ += [
    "add_site_visit_attachment",
    "cancel_meeting",
    "change_panel",
    "create_panel",
    "meeting_results",
    "record_meeting",
    "record_site_visit",
    "schedule_meeting",
    "site_visit_results",
]
