"""The allowed moves of a default claim, as data (see ``techfund.core.transitions``)::

    claimed ──agency review──► reviewed ──department approval──► approved ──finance instructs──► instructed
       │                          │                                 ▲                               │
       │                          │                                 └──────treasury returns────────┤
       └──────────────────────────┴──► refused                        treasury confirms ──► paid ◄──┘

The policy's ``claim_steps`` decide which steps a claim takes: without ``agency_review`` the
department approves a claimed claim directly (claimed → approved).
"""

from techfund.core.transitions import Move, Table
from techfund.riskpool.enums import ClaimState as C

CLAIM = Table(
    {
        (C.CLAIMED, C.REVIEWED): Move("riskpool.review"),
        (C.CLAIMED, C.REFUSED): Move("riskpool.review"),
        (C.REVIEWED, C.APPROVED): Move("riskpool.approve"),
        (C.REVIEWED, C.REFUSED): Move("riskpool.approve"),
        (C.CLAIMED, C.APPROVED): Move("riskpool.approve"),  # policies without agency_review
        (C.APPROVED, C.INSTRUCTED): Move("riskpool.pay"),
        (C.INSTRUCTED, C.PAID): Move("riskpool.pay"),
        (C.INSTRUCTED, C.APPROVED): Move("riskpool.pay"),  # the treasury returned the instruction
    },
    labels=C,
)
