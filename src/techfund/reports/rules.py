"""Who may do what with the periodic scheduling report (定期调度).

- The office generates the report (each generation is kept as a ``ReportRun`` with its SHA-256 and
  an audit event): it is the office's report to the leading group.
- The leading group, finance and the auditor read it: they see the preview of any period and download
  the reports the office generated (each download is recorded too). Asking for a new file is the
  office's job, so what the leading group reads is always a report the office stands behind.
- Department officers and applicants: the report covers the whole fund, outside their scope (404).
"""

from techfund.core.enums import Role
from techfund.core.permissions import define
from techfund.core.predicates import is_fund_reader, is_office

READERS = (Role.OFFICE, Role.LEADING_GROUP, Role.FINANCE, Role.AUDITOR)

define("reports.view", READERS, is_fund_reader)
define("reports.generate", (Role.OFFICE,), is_office)
