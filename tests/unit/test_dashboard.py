"""Where the class stands (decoder/dashboard/progress.py), the grades' CSV against a known
class, and the plots (pure parts; the pages run in tests/test_dashboard_pages.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from decoder.dashboard import export, progress
from decoder.dashboard.plots import histogram
from tests.course_copy import taught

COURSE = taught()
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def row(number: int, who: str, exercise: str, score: float | None, most: float = 3.0,
        state: str = "done") -> dict:
    return {"id": number, "username": who, "assignment": exercise,
            "submitted_at": NOW - dt.timedelta(minutes=100 - number), "state": state,
            "score": score, "max_score": most if score is not None else None}


HISTORY = [
    row(1, "awa", "s1-bonjour", 1.0), row(2, "awa", "s1-bonjour", 3.0),
    row(3, "bruno", "s1-bonjour", 0.0), row(4, "bruno", "s1-bonjour", 1.0),
    row(5, "bruno", "s1-bonjour", 2.0), row(6, "awa", "s1-calculs", None, state="queued"),
    row(7, "awa", "s1-age-en-jours", 3.0), row(8, "awa", "s1-initiales", 3.0),
    row(9, "awa", "s1-calculs", 3.0),
]
FETCHED = {("chloe", "s1-bonjour"), ("awa", "s1-bonjour")}


def test_each_learner_on_each_exercise():
    found = progress.states(HISTORY, FETCHED)
    awa, bruno = found[("awa", "s1-bonjour")], found[("bruno", "s1-bonjour")]
    assert (awa.submissions, awa.score, awa.passed, awa.failed_in_a_row) == (2, 3.0, True, 0)
    assert (bruno.submissions, bruno.score, bruno.failed_in_a_row) == (3, 2.0, 3)
    assert found[("chloe", "s1-bonjour")].started and not found[("chloe", "s1-bonjour")].submissions
    assert found[("awa", "s1-calculs")].score == 3.0


def test_the_class_per_exercise_and_a_week_filter():
    found = progress.states(HISTORY, FETCHED)
    stats = {s.assignment.name: s for s in progress.exercise_stats(
        COURSE, ["awa", "bruno", "chloe"], found, week=1)}
    assert set(stats) == {a.name for a in COURSE.assignments_of(1)}
    bonjour = stats["s1-bonjour"]
    assert (bonjour.learners, bonjour.started, bonjour.submitted, bonjour.passed) == (3, 3, 2, 1)
    assert sorted(bonjour.scores) == [2.0, 3.0]


def test_learners_at_risk_idle_or_failing_three_times_in_a_row():
    found = progress.states(HISTORY, FETCHED)
    learners = [progress.Learner("awa", NOW - dt.timedelta(days=1)),
                progress.Learner("bruno", NOW - dt.timedelta(hours=2)),
                progress.Learner("chloe", NOW - dt.timedelta(days=8)),
                progress.Learner("dan", None)]
    risky = progress.at_risk(learners, found, NOW)
    assert [(name, reason) for name, reason, _ in risky] == [
        ("bruno", "failing"), ("chloe", "idle"), ("dan", "idle")]
    assert risky[0][2] == {"exercise": "s1-bonjour", "count": 3}


def test_nobody_is_idle_before_the_run_is_a_week_old():
    """Days before the run began are not idleness: a class that signed up early, or nobody
    active yet on day 3, is not « at risk »."""
    learners = [progress.Learner("dan", None),
                progress.Learner("eva", NOW - dt.timedelta(days=30))]
    run_began = NOW - dt.timedelta(days=3)
    assert progress.at_risk(learners, {}, NOW, since=run_began) == []
    later = progress.at_risk(learners, {}, NOW + dt.timedelta(days=5), since=run_began)
    assert [name for name, reason, _ in later] == ["dan", "eva"]


def test_late_work_is_marked_and_its_penalty_exported_as_nbgrader_does():
    history = [{**row(1, "awa", "s1-bonjour", 2.0), "late_by": 3600.0, "penalty": 1.0},
               {**row(2, "bruno", "s1-bonjour", 3.0), "late_by": 0.0, "penalty": 0.0}]
    found = progress.states(history, set())
    assert found[("awa", "s1-bonjour")].late and not found[("bruno", "s1-bonjour")].late
    stats = {s.assignment.name: s for s in progress.exercise_stats(
        COURSE, ["awa", "bruno"], found, week=1)}
    assert (stats["s1-bonjour"].submitted, stats["s1-bonjour"].late) == (2, 1)
    weeks = {name: progress.week_grades(COURSE, name, found, {}) for name in ("awa", "bruno")}
    rows = list(csv.DictReader(io.StringIO(export.grades_csv(
        COURSE, ["awa", "bruno"], found, {}, {}, weeks, week=1))))
    awa = next(r for r in rows if r["student_id"] == "awa" and r["assignment"] == "s1-bonjour")
    assert (awa["raw_score"], awa["late_submission_penalty"], awa["score"]) == ("3", "1", "2")


def test_hints_opened_before_a_submission_are_taken_off_as_course_toml_says():
    """The dashboard's history takes the hints' penalty off the score (DashboardView.history);
    the export says how many points it was, and the raw score before it."""
    history = [{**row(1, "awa", "s1-bonjour", 2.0), "late_by": 0.0, "penalty": 0.0,
                "hints_penalty": 1.0},
               {**row(2, "bruno", "s1-bonjour", 3.0), "late_by": 0.0, "penalty": 0.0}]
    found = progress.states(history, set())
    weeks = {name: progress.week_grades(COURSE, name, found, {}) for name in ("awa", "bruno")}
    rows = list(csv.DictReader(io.StringIO(export.grades_csv(
        COURSE, ["awa", "bruno"], found, {}, {}, weeks, week=1,
        hints={("awa", "s1-bonjour"): 2}))))
    mine = {r["student_id"]: r for r in rows if r["assignment"] == "s1-bonjour"}
    assert (mine["awa"]["raw_score"], mine["awa"]["late_submission_penalty"],
            mine["awa"]["hints_opened"], mine["awa"]["hints_penalty"], mine["awa"]["score"]) \
        == ("3", "0", "2", "1", "2")
    assert (mine["bruno"]["hints_penalty"], mine["bruno"]["score"]) == ("0", "3")
    assert weeks["awa"][1] < weeks["bruno"][1]  # the week's grade counts it too


def test_a_week_grade_combines_autograded_and_peer_points_as_course_toml_says():
    found = progress.states(HISTORY, FETCHED)
    peer = {("awa", "s1-algorithme-du-quotidien"): 6}
    assert progress.week_grades(COURSE, "awa", found, peer)[1] == 100.0
    assert progress.week_grades(COURSE, "awa", found, {})[1] == 70.0  # peer weight is 30 %
    bruno = progress.week_grades(COURSE, "bruno", found, {})
    assert bruno[1] == round(100 * 0.7 * 2 / 12, 1) and bruno[2] == 0.0


def test_the_csv_holds_nbgraders_columns_and_ours_for_a_known_class():
    found = progress.states(HISTORY, FETCHED)
    peer = {("awa", "s1-algorithme-du-quotidien"): 6}
    weeks = {name: progress.week_grades(COURSE, name, found, peer) for name in ("awa", "bruno")}
    submitted = {(r["username"], r["assignment"]): r["submitted_at"].isoformat()
                 for r in HISTORY}
    text = export.grades_csv(COURSE, ["awa", "bruno"], found, submitted, peer, weeks, week=1)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == export.NBGRADER_COLUMNS + export.OUR_COLUMNS
    assert len(rows) == 2 * len(COURSE.assignments_of(1))
    awa = {r["assignment"]: r for r in rows if r["student_id"] == "awa"}
    assert awa["s1-bonjour"]["score"] == "3" and awa["s1-bonjour"]["max_score"] == "3"
    assert awa["s1-algorithme-du-quotidien"]["peer_score"] == "6"
    assert awa["s1-algorithme-du-quotidien"]["kind"] == "peer"
    assert {r["week_grade"] for r in awa.values()} == {"100"}
    bruno = {r["assignment"]: r for r in rows if r["student_id"] == "bruno"}
    assert bruno["s1-calculs"]["score"] == "" and bruno["s1-bonjour"]["score"] == "2"
    whole = list(csv.DictReader(io.StringIO(export.grades_csv(
        COURSE, ["awa"], found, submitted, peer, weeks))))
    course_row = [r for r in whole if r["assignment"] == export.COURSE_ROW]
    assert len(course_row) == 1 and course_row[0]["week_grade"] == "25"  # 100, 0, 0, 0
    # only the weeks open so far count in the course's mean (week 2 not open: not a zero)
    opened = list(csv.DictReader(io.StringIO(export.grades_csv(
        COURSE, ["awa"], found, submitted, peer, weeks, open_weeks={1}))))
    assert opened[-1]["assignment"] == export.COURSE_ROW and opened[-1]["week_grade"] == "100"


def test_the_spreadsheet_form_has_a_bom_semicolons_and_decimal_commas():
    found = progress.states(HISTORY + [row(10, "awa", "s2-somme", 1.5)], FETCHED)
    weeks = {"awa": progress.week_grades(COURSE, "awa", found, {})}
    text = export.grades_csv(COURSE, ["awa"], found, {}, {}, weeks, week=2, spreadsheet=True)
    assert text.startswith("\ufeffassignment;duedate;")
    rows = {r["assignment"]: r for r in csv.DictReader(io.StringIO(text[1:]), delimiter=";")}
    assert rows["s2-somme"]["score"] == "1,5"
    assert "." not in rows["s2-somme"]["week_grade"]


def test_handed_in_without_a_score_is_counted_and_said():
    failed = row(11, "chloe", "s1-bonjour", None, state="failed")
    found = progress.states(HISTORY + [failed], FETCHED)
    stats = {s.assignment.name: s for s in progress.exercise_stats(
        COURSE, ["awa", "bruno", "chloe"], found, week=1)}
    bonjour = stats["s1-bonjour"]
    assert (bonjour.submitted, bonjour.unscored, len(bonjour.scores)) == (3, 1, 2)
    from decoder.dashboard.pages import counts
    from decoder.messages import say
    said = counts(bonjour, lambda key, **params: say(f"dashboard.{key}", "fr", **params))
    assert said == ("3 ont commencé, 3 ont rendu (1 sans note : correction en cours ou "
                    "échouée), 1 a tout réussi (sur 3)")


def test_a_score_distribution_is_an_inline_svg_without_script():
    svg = histogram([0, 1, 3, 3, 2], 3, title="Dire bonjour", xlabel="note", ylabel="personnes")
    assert svg.startswith("<svg") and "<script" not in svg and "Dire bonjour" not in svg[:20]
    assert "<?xml" not in svg and "DOCTYPE" not in svg
