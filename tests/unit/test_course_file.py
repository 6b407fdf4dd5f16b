import datetime as dt

import pytest

from decoder.course import (
    COURSE_FILE,
    CourseError,
    NotInARun,
    key_lines,
    load_course,
    parse_course,
)
from decoder.schedule import Moment, Run
from tests.course_copy import taught

TEXT = COURSE_FILE.read_text(encoding="utf-8")


def test_the_course_file_is_valid():
    course = load_course()
    assert [w.number for w in course.rhythm] == [1, 2, 3, 4]
    assert course.autograde_weight + course.peer_weight == 1
    assert course.rhythm[0].opens == Moment(1, dt.time(9, 0)) and course.time_zone == \
        "Europe/Paris"


def test_the_dates_are_a_runs():
    """The file holds a rhythm; the dates are those of the run the course is taught in."""
    course = load_course()
    with pytest.raises(NotInARun):
        course.weeks  # noqa: B018
    spring = course.in_run(Run("printemps", dt.date(2027, 3, 1)))
    autumn = course.in_run(Run("automne", dt.date(2027, 9, 6)))
    assert spring.week(1).opens.isoformat() == "2027-03-01T09:00:00+01:00"
    assert autumn.week(1).opens.isoformat() == "2027-09-06T09:00:00+02:00"  # summer time
    assert autumn.week(4).peer_review_due - autumn.week(1).opens == \
        dt.timedelta(days=30, hours=14, minutes=59)


def test_a_deadline_keeps_its_wall_clock_time_across_a_change_of_summer_time():
    # day 1 on Monday 22 March 2027: summer time begins on Sunday 28 March, in week 1
    course = taught(Run("mars", dt.date(2027, 3, 22)))
    assert course.week(1).opens.utcoffset() == dt.timedelta(hours=1)
    assert course.week(1).due.isoformat() == "2027-03-28T23:59:00+02:00"
    montreal = taught(Run("mtl", dt.date(2027, 3, 22), "America/Montreal"))
    assert montreal.week(1).due.isoformat() == "2027-03-28T23:59:00-04:00"


def test_open_weeks_follow_the_dates():
    course = taught()
    before = course.weeks[0].opens - dt.timedelta(seconds=1)
    assert course.open_weeks(before) == ()
    assert [w.number for w in course.open_weeks(course.weeks[1].opens)] == [1, 2]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(needle)


def test_a_wrong_type_names_the_line_and_the_field():
    broken = TEXT.replace("minutes = 10", 'minutes = "dix"', 1)
    with pytest.raises(CourseError) as error:
        parse_course(broken)
    line = line_of(broken, 'minutes = "dix"')
    assert f"ligne {line}" in str(error.value) and "assignment.0.minutes" in str(error.value)


def test_a_moment_written_otherwise_is_explained():
    broken = TEXT.replace('due = { day = 14, time = "23:59" }', 'due = "6 décembre"')
    with pytest.raises(CourseError, match=r"day = 7, time") as error:
        parse_course(broken)
    assert f"ligne {line_of(broken, 'due = ' + chr(34))}" in str(error.value)
    assert "week.1.due" in str(error.value)
    with pytest.raises(CourseError, match="heure s'écrit entre guillemets"):
        parse_course(TEXT.replace('time = "23:59" }', 'time = "23h59" }', 1))
    with pytest.raises(CourseError, match="fuseau horaire « Europe/Parsi » inconnu"):
        parse_course(TEXT.replace('time_zone = "Europe/Paris"', 'time_zone = "Europe/Parsi"'))


def test_a_course_file_of_before_runs_says_how_to_write_its_dates():
    """Absolute dates (course.toml before runs) are refused with what to write instead."""
    old = TEXT.replace('opens = { day = 8, time = "09:00" }', "opens = 2026-11-30T09:00:00+01:00")
    with pytest.raises(CourseError, match="relatives au début de chaque session") as error:
        parse_course(old)
    assert "decoder run start" in str(error.value) and "week.1.opens" in str(error.value)


def test_rules_beyond_the_schema():
    broken = TEXT.replace("peer_weight = 0.3", "peer_weight = 0.5")
    with pytest.raises(CourseError, match="doit faire 1"):
        parse_course(broken)
    unknown_week = TEXT.replace("week = 4", "week = 9", 1)
    with pytest.raises(CourseError, match="la semaine 9 n'existe pas"):
        parse_course(unknown_week)
    reversed_dates = TEXT.replace('opens = { day = 1, time = "09:00" }',
                                  'opens = { day = 7, time = "23:59" }')
    with pytest.raises(CourseError, match="ouvrir .opens. avant sa date de rendu"):
        parse_course(reversed_dates)
    early_review = TEXT.replace('peer_review_due = { day = 10, time = "23:59" }',
                                'peer_review_due = { day = 7, time = "22:00" }')
    with pytest.raises(CourseError, match="ne peut pas finir avant la date de rendu") as error:
        parse_course(early_review)
    assert "week.0.peer_review_due" in str(error.value)
    out_of_order = TEXT.replace('opens = { day = 15, time = "09:00" }',
                                'opens = { day = 7, time = "09:00" }')
    with pytest.raises(CourseError, match="les semaines vont dans l'ordre"):
        parse_course(out_of_order)
    no_points = TEXT.replace('penalty = "none"', 'penalty = "per_hour"')
    with pytest.raises(CourseError, match="points_per_hour"):
        parse_course(no_points)


def test_missing_and_unknown_fields():
    with pytest.raises(CourseError, match="« title » est obligatoire"):
        parse_course(TEXT.replace('title = "Dire bonjour"', ""))
    with pytest.raises(CourseError, match="champ inconnu"):
        parse_course(TEXT.replace('kind = "peer"', 'kind = "peer"\ncouleur = "bleu"', 1))
    with pytest.raises(CourseError, match="TOML invalide"):
        parse_course(TEXT + "\n[[week]\n")


def test_key_lines_index_arrays_of_tables():
    text = "[[a]]\nx = 1\n[[a]]\nx = 2\n[[a.r]]\ny = 3\n[[a.r]]\ny = 4\n"
    lines = key_lines(text)
    assert lines[("a", 1, "x")] == 4
    assert lines[("a", 1, "r", 1, "y")] == 8


def test_a_learner_gets_the_lessons_of_open_weeks_only():
    from decoder.course import open_lessons

    course = taught()
    assert open_lessons(course, course.weeks[0].opens) == ["semaine-1"]
    assert open_lessons(course, course.weeks[3].opens) == [f"semaine-{n}" for n in range(1, 5)]


def test_hints_are_free_unless_the_course_file_prices_them():
    assert parse_course(TEXT).hints.points_per_hint == 0.0
    priced = parse_course(TEXT.replace("points_per_hint = 0", "points_per_hint = 0.5"))
    assert priced.hints.points_per_hint == 0.5
    assert priced.hints.penalty(2, 3.0) == 1.0
    assert priced.hints.penalty(0, 3.0) == 0.0
    assert priced.hints.penalty(4, 1.5) == 1.5  # never below 0 points
    assert priced.hints.penalty(3, -1.0) == 0.0
    assert parse_course(TEXT).hints.penalty(4, 3.0) == 0.0
    with pytest.raises(CourseError, match="points_per_hint"):
        parse_course(TEXT.replace("points_per_hint = 0", "points_per_hint = -1"))
    with pytest.raises(CourseError, match="champ inconnu"):
        parse_course(TEXT.replace("points_per_hint = 0", "par_indice = 1"))
