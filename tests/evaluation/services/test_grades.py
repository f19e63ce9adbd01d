"""Grades per project, department and focus area: counts of 优 / 良 / 中 / 差, the average score and the
amounts, over the projects each person sees."""

from decimal import Decimal as D

from techfund.evaluation import services


def test_department_and_area_aggregates(
    graded_year, office, officer_of, st_department, it_department, fund_year
):
    qs = services.filter_grades(services.graded(office), year=fund_year.year)
    assert qs.count() == 4  # D is not evaluated yet
    by_dept = services.grade_summary(qs, by="department")
    rows = {r["code"]: r for r in by_dept["rows"]}
    assert rows["science_technology"] == {
        "code": "science_technology",
        "name": "市科学技术局",
        "n": 2,
        "grades": {"excellent": 1, "good": 0, "fair": 0, "poor": 1},
        "average": D("69.63"),  # (93.25 + 46.00) / 2 = 69.625, half up
        "amount": D("5000000.00"),
    }
    assert rows["industry_it"]["grades"] == {"excellent": 0, "good": 1, "fair": 1, "poor": 0}
    assert rows["industry_it"]["average"] == D("77.50") and rows["industry_it"]["amount"] == D("4000000.00")
    assert by_dept["total"] == {
        "n": 4,
        "grades": {"excellent": 1, "good": 1, "fair": 1, "poor": 1},
        "average": D("73.56"),  # (93.25 + 70 + 46 + 85) / 4 = 73.5625
        "amount": D("9000000.00"),
    }
    by_area = services.grade_summary(qs, by="focus_area")
    assert [(r["code"], r["n"], r["grades"]["poor"], r["amount"]) for r in by_area["rows"]] == [
        ("major_projects", 2, 0, D("7000000.00")),
        ("key_rd", 2, 1, D("2000000.00")),
    ]
    # per project, filtered
    poor = services.grade_rows(services.filter_grades(qs, grade="poor"))
    assert [ce.project.title for ce in poor] == ["智能传感器"]
    assert [
        ce.project.number for ce in services.filter_grades(qs, focus_area="key_rd", department="industry_it")
    ] == [graded_year["E"].number]
    # a department officer's aggregates cover their department's projects only
    mine = services.grade_summary(services.graded(officer_of(it_department)), by="focus_area")
    assert mine["total"]["n"] == 2 and mine["total"]["grades"]["good"] == 1
