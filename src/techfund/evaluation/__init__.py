"""Performance evaluation (绩效评价): indicator scoring, grades and what a grade means for next year's budget.

Not yet a Django app: for now it holds the pure scoring functions in ``scoring.py``, which take their
parameters from the policy profile's rule tables (``evaluation_grades``, ``auto_scoring``,
``self_evaluation_weights``, ``comprehensive_weights``, ``results_to_budget``).
"""
