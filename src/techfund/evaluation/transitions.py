"""The allowed moves of the evaluation records, as data (see ``techfund.core.transitions``).

Self-evaluation (单位自评)::

    (unit submits; project in_progress → acceptance)
        submitted ──office accepts──► accepted   (the basis of the comprehensive evaluation)
            │
            └──office returns (reason)──► returned   (project acceptance → in_progress; the unit
                                                      submits a new self-evaluation)

Comprehensive evaluation (综合绩效评价)::

    (office proposes, signs)
        proposed ──finance confirms, signs──► confirmed   (project acceptance → completed)
            │   ▲
     return │   │ office revises and proposes again
   (reason) ▼   │
          returned

Next-year proposal (下一年度框架建议)::

    draft ──office adjusts── draft ──office submits──► submitted   (a funds Framework of the target
                                                                    year, submitted to the leading group)

The project's own moves (in_progress → acceptance → completed, acceptance → in_progress) are in
``techfund.projects.transitions.PROJECT``; the services here check both tables.
"""

from techfund.core.transitions import Move, Table
from techfund.evaluation.enums import ComprehensiveState as C
from techfund.evaluation.enums import NextYearState as N
from techfund.evaluation.enums import SelfEvaluationState as S

SELF_EVALUATION = Table(
    {
        (S.SUBMITTED, S.ACCEPTED): Move("evaluation.accept_self_evaluation"),
        (S.SUBMITTED, S.RETURNED): Move("evaluation.return_self_evaluation"),
    },
    labels=S,
)

COMPREHENSIVE = Table(
    {
        (C.PROPOSED, C.CONFIRMED): Move("evaluation.complete_evaluation"),
        (C.PROPOSED, C.RETURNED): Move("evaluation.return_comprehensive"),
        (C.RETURNED, C.PROPOSED): Move("evaluation.propose_comprehensive"),
    },
    labels=C,
)

NEXT_YEAR = Table(
    {(N.DRAFT, N.SUBMITTED): Move("evaluation.submit_next_year")},
    labels=N,
)
