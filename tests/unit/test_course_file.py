import datetime as dt

import pytest

from decoder.course import COURSE_FILE, CourseError, key_lines, load_course, parse_course

TEXT = COURSE_FILE.read_text(encoding="utf-8")


def test_the_course_file_is_valid():
    course = load_course()
    assert [w.number for w in course.weeks] == [1, 2, 3, 4]
    assert course.autograde_weight + course.peer_weight == 1


def test_open_weeks_follow_the_dates():
    course = load_course()
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


def test_a_date_written_as_text_is_explained():
    broken = TEXT.replace("due = 2026-12-06T23:59:00+01:00", 'due = "6 décembre"')
    with pytest.raises(CourseError, match="date avec heure et fuseau") as error:
        parse_course(broken)
    assert f"ligne {line_of(broken, 'due = ' + chr(34))}" in str(error.value)
    assert "week.1.due" in str(error.value)


def test_rules_beyond_the_schema():
    broken = TEXT.replace("peer_weight = 0.3", "peer_weight = 0.5")
    with pytest.raises(CourseError, match="doit faire 1"):
        parse_course(broken)
    unknown_week = TEXT.replace("week = 4", "week = 9", 1)
    with pytest.raises(CourseError, match="la semaine 9 n'existe pas"):
        parse_course(unknown_week)
    reversed_dates = TEXT.replace("opens = 2026-11-23T09:00:00+01:00",
                                  "opens = 2026-12-23T09:00:00+01:00")
    with pytest.raises(CourseError, match="opens < due"):
        parse_course(reversed_dates)


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

    course = load_course()
    assert open_lessons(course, course.weeks[0].opens) == ["semaine-1"]
    assert open_lessons(course, course.weeks[3].opens) == [f"semaine-{n}" for n in range(1, 5)]
