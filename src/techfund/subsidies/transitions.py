"""The allowed moves of an interest-subsidy claim, as data (see ``techfund.core.transitions``)::

draft ──enterprise submits──► submitted ──department verifies──► verified ──finance approves──► approved
                                  │                                  │                              │
                                  └──department returns──► rejected ◄──finance returns──┘      finance instructs
                                                                                                    ▼
                  paid ◄──treasury confirms (subsidies.instruct)── instructed ──treasury returns──► approved
"""

from techfund.core.transitions import Move, Table
from techfund.subsidies.enums import ClaimState as C

CLAIM = Table(
    {
        (C.DRAFT, C.SUBMITTED): Move("subsidies.claim"),
        (C.SUBMITTED, C.VERIFIED): Move("subsidies.verify"),
        (C.SUBMITTED, C.REJECTED): Move("subsidies.verify"),
        (C.VERIFIED, C.APPROVED): Move("subsidies.approve"),
        (C.VERIFIED, C.REJECTED): Move("subsidies.approve"),
        (C.APPROVED, C.INSTRUCTED): Move("subsidies.instruct"),
        (C.INSTRUCTED, C.PAID): Move("subsidies.instruct"),
        (C.INSTRUCTED, C.APPROVED): Move("subsidies.instruct"),
    },
    labels=C,
)
