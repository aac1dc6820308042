"""The demo governance: realistic RACI with its planted defects, council, reporting line."""

from __future__ import annotations

import datetime as dt

from cxpilot.governance.demo import demo_load as governance_demo_load
from cxpilot.governance.models import Council, GovernanceSettings
from cxpilot.governance.selectors import overdue_actions, raci_problems, responsible_department
from cxpilot.organisation.demo import demo_organisation as organisation
from cxpilot.organisation.services import org_load


def test_demo_governance(db):
    org_load(data=organisation(), source="demo")
    report = governance_demo_load()
    assert report["activities"] == 27  # 13 catalogue activities + 14 touchpoints
    found = sorted((p.code, p.activity, p.department) for p in raci_problems())
    assert found == sorted(
        [
            ("multiple_accountable", "journey_mapping", None),
            ("no_responsible", "customer_data_quality", None),
            ("too_many_informed", "maturity_assessment", None),
            ("no_accountable", "close_loop_partner_reseller", None),
            ("overloaded_department", None, "service_client"),
            ("idle_department", None, "ventes"),
        ]
    )
    assert responsible_department("website").key == "service_client"
    assert responsible_department("store").key == "magasins"
    council = Council.objects.get()
    assert council.members.count() == 8 and council.meetings.count() == 3
    overdue = overdue_actions(council=council, today=dt.date(2026, 11, 23))
    assert [a.due_date for a in overdue] == [dt.date(2026, 10, 15), dt.date(2026, 11, 10)]
    assert GovernanceSettings.current().reporting_line == "ceo"
    again = governance_demo_load()  # re-running gives the same result
    assert again["cells_changed"] == 0 and Council.objects.count() == 1
    assert again["problem_codes"] == report["problem_codes"]
