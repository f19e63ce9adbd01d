"""A project is not terminated while the treasury may be paying it: its unpaid commitment would be
released with an instruction still open against it."""

import pytest

from techfund.core.errors import ServiceError
from techfund.projects.enums import ProjectState
from techfund.sanctions import services as sanctions
from techfund.treasury import services as treasury
from tests.projects.helpers import nothing_changed


def test_termination_waits_for_open_instructions(sent, project, office, finance, finance2):
    order = sanctions.propose_sanction(
        project, actor=office, kind="terminate", reason="承担单位研发团队解散。", basis="任务书第九条"
    )
    with nothing_changed(), pytest.raises(ServiceError) as exc:
        sanctions.decide_sanction(order, actor=finance2, decision="concur")
    assert exc.value.code == "payments_pending"
    assert "有待国库确认的支付指令" in exc.value.message and project.number in exc.value.message
    project.refresh_from_db()
    assert project.state == ProjectState.IN_PROGRESS
    assert treasury.pending_for_project(project) > 0
