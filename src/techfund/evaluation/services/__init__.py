"""The services of acceptance and evaluation — the only code that changes self-evaluations,
comprehensive evaluations and next-year proposals. Each takes the record and a keyword-only
``actor``, runs in one transaction, checks permission and scope, checks the move against the
transition tables (this stage's and the project's), scores only through ``scoring`` with the
policy's tables, and writes the audit event, all or nothing. ``grades`` reads (never writes).
"""

from techfund.evaluation.services.comprehensive import (
    comprehensive_rules,
    confirm_comprehensive,
    propose_comprehensive,
    return_comprehensive,
)
from techfund.evaluation.services.exports import export_grade_summary, export_grades
from techfund.evaluation.services.grades import filter_grades, grade_rows, grade_summary, graded
from techfund.evaluation.services.next_year import (
    adjust_next_year,
    allocations_of,
    propose_next_year,
    submit_next_year,
    target_status,
)
from techfund.evaluation.services.self_evaluation import (
    accept_self_evaluation,
    live_self_evaluation,
    return_self_evaluation,
    self_evaluation_rules,
    submit_self_evaluation,
)

__all__ = [
    "accept_self_evaluation",
    "adjust_next_year",
    "allocations_of",
    "comprehensive_rules",
    "confirm_comprehensive",
    "export_grade_summary",
    "export_grades",
    "filter_grades",
    "grade_rows",
    "grade_summary",
    "graded",
    "live_self_evaluation",
    "propose_comprehensive",
    "propose_next_year",
    "return_comprehensive",
    "return_self_evaluation",
    "self_evaluation_rules",
    "submit_next_year",
    "submit_self_evaluation",
    "target_status",
]
