"""验收与绩效评价 (acceptance and performance evaluation) and 评价结果与以后年度预算安排挂钩 (feeding the
grades into next year's framework).

- ``scoring``: the pure scoring functions over the policy's rule tables (``evaluation_grades``,
  ``auto_scoring``, ``self_evaluation_weights``, ``comprehensive_weights``, ``results_to_budget``);
- ``models``: ``SelfEvaluation`` with a ``KpiResult`` per contract target, ``ComprehensiveEvaluation``
  (决策 / 过程 / 产出 / 效益), ``NextYearProposal`` with its ``NextYearLine`` per (focus area, department);
- ``services``: the only code that changes them (submit / accept / return the self-evaluation;
  propose / confirm / return the comprehensive evaluation; propose / adjust / submit next year's
  framework through the funds services), plus the grades read per project, department and focus area;
- web pages under ``/evaluation/``, the API under ``/api/evaluation/``, the project page panel
  ``evaluation/_project_panel.html``.
"""
