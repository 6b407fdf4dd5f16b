"""The course's content: every notebook runs, every exercise grades as it should, and every
likely mistake gets its message. Real nbgrader and real kernels; no hub, no Docker."""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import io
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from decoder.ops import content_report
from decoder.course import load_course
from decoder.schedule import Run
from decoder.settings import PROJECT_ROOT
from graders.execute import trusted_tests
from tests.course.nbgrader_course import (
    CourseDir,
    error_texts,
    filled,
    kernel_env,
    levels_of,
    mistakes_of,
    skeleton_of,
    tagged,
    with_cell_replaced,
)

pytestmark = pytest.mark.course

sys.path.insert(0, str(PROJECT_ROOT / "images" / "lab"))
from decoder_widgets import hints as hints_widget  # noqa: E402
from decoder_widgets import parsons, questions  # noqa: E402

COURSE = load_course()
AUTOGRADED = [a.name for a in COURSE.assignments if not a.peer_reviewed]
CALIBRATED = [a.name for a in COURSE.assignments if a.peer_reviewed
              and any(c.tests for c in a.rubric)]
ALL_NOTEBOOKS = sorted((PROJECT_ROOT / "course").rglob("*.ipynb"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, CourseDir]:
    """Each autograded exercise generated, submitted (solution, blank, each mistake), graded."""

    # Folders are made before the threads start: pytest's temp factory is not thread-safe (two
    # threads creating its base folder at once made CI fail).
    folders = {name: tmp_path_factory.mktemp(name) for name in AUTOGRADED + CALIBRATED}

    def grade(name: str) -> CourseDir:
        course = CourseDir(folders[name], name)
        student_version = course.generate()
        master = nbformat.read(PROJECT_ROOT / "course" / "source" / name / f"{name}.ipynb", 4)
        course.submit("solution", master)
        course.submit("blank", student_version)
        for i, mistake in enumerate(mistakes_of(name)):
            course.submit(f"erreur-{i}", with_cell_replaced(student_version, mistake.cell,
                                                            mistake.code))
        if name in AUTOGRADED:
            guided = filled(skeleton_of(student_version), levels_of(name).blanks)
            course.submit("guide", with_cell_replaced(student_version, "reponse", guided))
        course.autograde()
        return course

    with ThreadPoolExecutor(max_workers=2) as pool:
        names = AUTOGRADED + CALIBRATED
        return dict(zip(names, pool.map(grade, names), strict=True))


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_in_a_fresh_kernel(path: Path):
    notebook = nbformat.read(path, 4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=kernel_env())  # raises on any error not tagged raises-exception


@pytest.mark.parametrize("name", AUTOGRADED)
def test_solution_scores_full_marks_and_blank_scores_zero(graded, name):
    score, max_score = graded[name].score("solution")
    assert max_score == COURSE.assignment(name).points
    assert score == max_score
    assert graded[name].score("blank") == (0.0, max_score)


@pytest.mark.parametrize("name", AUTOGRADED)
def test_the_guided_levels_skeleton_filled_in_scores_full_marks(graded, name):
    """The skeleton the learner copies (as released), each « ___ » replaced by niveaux.toml's
    blank: it is a right answer, so the guided level leads somewhere."""
    assert graded[name].score("guide") == (COURSE.assignment(name).points,) * 2


@pytest.mark.parametrize("name", AUTOGRADED + CALIBRATED)
def test_learners_get_no_file_of_the_authors(graded, name):
    """erreurs.toml and niveaux.toml (mistakes, blanks, the extension's solution) stay out of
    the released exercise."""
    released = {p.name for p in (graded[name].root / "release" / name).iterdir()}
    assert f"{name}.ipynb" in released and not {n for n in released if n.endswith(".toml")}


@pytest.mark.parametrize("name", AUTOGRADED)
def test_the_extension_is_all_wrong_as_given_and_all_right_with_its_solution(name):
    """« Pour aller plus loin »: its try table run in a real kernel, after the exercise's own
    answer (extensions reuse it), first with the cell as learners get it, then with
    niveaux.toml's solution."""
    master = nbformat.read(PROJECT_ROOT / "course" / "source" / name / f"{name}.ipynb", 4)
    answer = next(c.source for c in master.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "reponse")
    tries = tagged(master, "extension-essais").source
    show = "print(_.value)"  # the table's HTML (the widget was the cell's value)
    sources = [answer, tagged(master, "extension-reponse").source, tries, show,
               levels_of(name).extension_solution, tries, show]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute(env=kernel_env())
    as_given, solved = (notebook.cells[i].outputs[0]["text"] for i in (3, 6))
    examples = len(ast.literal_eval(tries.split("essayer(", 1)[1].rsplit(")", 1)[0]))
    assert examples >= 2
    assert as_given.count("✘") == examples and "✔" not in as_given
    assert solved.count("✔") == examples and "✘" not in solved


@pytest.mark.parametrize("name", AUTOGRADED)
def test_each_likely_mistake_shows_its_message(graded, name):
    mistakes = mistakes_of(name)
    assert len(mistakes) >= 2, "each exercise names at least two likely mistakes"
    for i, mistake in enumerate(mistakes):
        score, max_score = graded[name].score(f"erreur-{i}")
        assert score < max_score, f"{mistake.description}: this mistake should lose points"
        said = error_texts(graded[name].graded(f"erreur-{i}"))
        assert mistake.message in said, f"{mistake.description}: message not shown; got {said!r}"


@pytest.mark.parametrize("name", AUTOGRADED)
def test_exercise_has_visible_and_hidden_tests(name):
    master = nbformat.read(PROJECT_ROOT / "course" / "source" / name / f"{name}.ipynb", 4)
    tests = [c for c in master.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert any("BEGIN HIDDEN TESTS" in c.source for c in tests)
    assert any("verifier(" in c.source.split("### BEGIN HIDDEN TESTS")[0] for c in tests)
    assert sum(c.metadata["nbgrader"]["points"] for c in tests) == COURSE.assignment(name).points


def test_every_week_has_a_lesson_four_to_six_exercises_and_one_peer_review():
    for week in COURSE.rhythm:
        assignments = COURSE.assignments_of(week.number)
        assert 4 <= sum(not a.peer_reviewed for a in assignments) <= 6
        assert sum(a.peer_reviewed for a in assignments) == 1
        assert list((PROJECT_ROOT / "course" / "lessons" / week.lesson).glob("*.ipynb"))
    for assignment in COURSE.assignments:
        assert (PROJECT_ROOT / "course" / "source" / assignment.name /
                f"{assignment.name}.ipynb").exists()


def test_the_rhythm_holds_in_every_run_of_the_next_two_years():
    """Weeks in order, each open before it is due, no peer review closing before its week is
    due: for a run starting on any day (summer time changes included), in its own zone."""
    first = dt.date.today()
    for offset in range(0, 731):
        course = COURSE.in_run(Run("essai", first + dt.timedelta(days=offset)))
        for week in course.weeks:
            assert week.opens < week.due <= week.peer_review_due, (offset, week.number)
        opens = [week.opens for week in course.weeks]
        assert opens == sorted(opens)
    window = COURSE.demo_window()  # the demo can always be mid-course
    assert window.due < window.closes and window.next_opens is not None


def test_peer_points_match_the_manually_graded_cell():
    for assignment in (a for a in COURSE.assignments if a.peer_reviewed):
        master = nbformat.read(PROJECT_ROOT / "course" / "source" / assignment.name /
                               f"{assignment.name}.ipynb", 4)
        points = [c.metadata["nbgrader"].get("points", 0) for c in master.cells
                  if c.metadata.get("nbgrader", {}).get("grade")]
        assert sum(points) == assignment.points
        assert 3 <= len(assignment.rubric) <= 4


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_have_no_outputs_and_images_have_alt_text(path: Path):
    notebook = nbformat.read(path, 4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        if cell.cell_type == "markdown":
            shown = re.sub(r"`[^`]*`", "", cell.source)  # code written in text shows no image
            assert not re.search(r"!\[\s*\]\(", shown), "an image without alt text"
            for tag in re.findall(r"<img\b[^>]*>", shown):
                assert re.search(r'\balt="[^"]+"', tag), f"an image without alt text: {tag}"


@pytest.mark.parametrize("name", AUTOGRADED)
def test_the_grader_finds_every_test_cell_in_the_gradebook(graded, name):
    """The trusted side runs exactly the master's test cells (read from nbgrader's gradebook):
    a cell it did not find would run in the learner's kernel instead."""
    master = nbformat.read(PROJECT_ROOT / "course" / "source" / name / f"{name}.ipynb", 4)
    expected = {c.metadata["nbgrader"]["grade_id"]: c.source for c in master.cells
                if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
                and not c.metadata["nbgrader"].get("solution")}
    found = trusted_tests({"nbgrader": {
        "db_url": f"sqlite:///{graded[name].root / 'gradebook.db'}", "assignment": name,
        "notebook": name}})
    assert found == expected and found


def failed_tests(notebook) -> set[str]:
    return {cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"
            and any(o.get("output_type") == "error" for o in cell.get("outputs", []))}


@pytest.mark.parametrize("name", CALIBRATED)
def test_a_peer_exercises_calibration_tests_pass_its_solution_and_fail_its_blank(graded, name):
    """A rubric criterion mapped to autograded tests (course.toml ``tests``) is what calibrates
    the reviewers: those tests must exist, pass on the solution and fail on the blank."""
    master = nbformat.read(PROJECT_ROOT / "course" / "source" / name / f"{name}.ipynb", 4)
    test_cells = {c.metadata["nbgrader"]["grade_id"]: c for c in master.cells
                  if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}
    mapped = {test for criterion in COURSE.assignment(name).rubric for test in criterion.tests}
    assert mapped and mapped <= set(test_cells)
    assert all(test_cells[test].metadata["nbgrader"]["points"] == 0 for test in mapped)
    assert failed_tests(graded[name].graded("solution")) == set()
    assert failed_tests(graded[name].graded("blank")) >= mapped


# ---- the lessons' bar (issue 21) and their widgets' data ----

WRITTEN_WEEKS = [1, 2, 3, 4]  # every week of the course
LESSON_NOTEBOOKS = sorted((PROJECT_ROOT / "course" / "lessons").rglob("*.ipynb"))


@pytest.mark.parametrize("week", WRITTEN_WEEKS)
def test_a_written_week_meets_the_bar(week):
    """Three lessons of 600-900 words, never more than 150 words without a thing to do, 12
    questions, 4 predictions, a Parsons problem, the visualiser, Investigate → Modify → Make
    (decoder/ops/content_report.py prints the same for every week)."""
    lessons = content_report.count_week(next(w.lesson for w in COURSE.rhythm if w.number == week))
    assert content_report.shortfalls(lessons) == []


def widget_uses(kind: str) -> list[tuple[str, object]]:
    """(lesson, data) of each call of the widget ``kind`` in the lessons."""
    found = []
    for path in LESSON_NOTEBOOKS:
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type == "code":
                found += [(path.stem, content_report.widget_data(argument))
                          for name, argument in content_report.widget_calls(cell.source)
                          if name == kind]
    return found


def printed_by(program: str) -> tuple[str, dict]:
    """What ``program`` prints, and its names (course content is ours: run here)."""
    out, names = io.StringIO(), {}
    with contextlib.redirect_stdout(out):
        exec(compile(program, "<leçon>", "exec"), names)  # noqa: S102 - our own lessons
    return out.getvalue(), names


def test_every_question_is_written_as_data_and_its_answers_are_right():
    """Each quiz of the lessons: data (not code), every option explained, its right answer
    judged right; a « what does it print » question's answer is what its code really prints,
    and each expected mistake is judged wrong with its own explanation."""
    uses = widget_uses("quiz")
    ids = []
    for lesson, data in uses:
        assert data is not None, f"{lesson}: a quiz written as code, not as data"
        question = questions.parse(data)
        ids.append(question.id)
        right = questions.solution(question)
        if question.kind == "output":
            if question.code:
                shown, _ = printed_by(question.code)
                assert questions.printed(shown) in {questions.printed(a)
                                                    for a in question.answers}, question.id
            for mistake in question.mistakes:
                verdict = questions.judge(question, mistake.answer)
                assert not verdict.right and verdict.said[0][1] == mistake.explanation
        else:
            chosen = [i for i, option in enumerate(question.options) if option.right]
            assert questions.judge(question, chosen if question.kind == "multiple"
                                   else chosen[0]).right, question.id
            for i, option in enumerate(question.options):
                if not option.right:
                    verdict = questions.judge(question, [i] if question.kind == "multiple"
                                              else i)
                    assert not verdict.right and (option.text, option.explanation) in \
                        verdict.said, question.id
        assert right
    assert len(ids) == len(set(ids)), "two questions share an id"


def test_every_parsons_solution_does_what_its_problem_checks():
    uses = widget_uses("remettre_en_ordre")
    assert uses
    for lesson, data in uses:
        assert data is not None, f"{lesson}: a Parsons problem written as code, not as data"
        problem = parsons.parse(data)
        program = problem.setup + "\n" + "\n".join(
            "    " * line.level + line.text for line in problem.solution)
        shown, names = printed_by(program)
        if problem.output is not None:
            assert questions.printed(shown) == questions.printed(problem.output), problem.id
        for name, expected in problem.checks:
            assert names[name] == expected, (problem.id, name)


WRITTEN_EXERCISES = [a.name for a in COURSE.assignments
                     if not a.peer_reviewed and a.week in WRITTEN_WEEKS]


@pytest.mark.parametrize("name", WRITTEN_EXERCISES)
def test_an_exercise_has_its_hints_after_the_instructions_and_its_try_table_after_the_answer(
        name):
    """2 to 4 hints (« Un indice ») named after the exercise, then the guided level, before the
    answer cell; the « appel / attendu / obtenu » table (essayer) after it, before the tests;
    the extension (« Pour aller plus loin »: text, a cell to write in, its own try table)
    last. All ordinary cells: nothing of them is graded (the grades above are the same)."""
    master = nbformat.read(PROJECT_ROOT / "course" / "source" / name / f"{name}.ipynb", 4)
    kinds = []
    for cell in master.cells:
        meta = cell.metadata.get("nbgrader", {})
        calls = [node for node in ast.walk(ast.parse(cell.source))
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)] \
            if cell.cell_type == "code" else []
        called = {node.func.id: node for node in calls}
        if "niveau-guide" in cell.metadata.get("tags", []):
            kinds.append("guided")
        elif "indices" in called:
            assert not meta
            ident, hints = hints_widget.parse(ast.literal_eval(called["indices"].args[0]))
            assert ident == name and 2 <= len(hints) <= 4
            kinds.append("hints")
        elif "essayer" in called:
            assert not meta
            kinds.append("extension try" if called["essayer"].args else "try")
        elif "extension-reponse" in cell.metadata.get("tags", []):
            kinds.append("extension answer")
        elif "niveau-extension" in cell.metadata.get("tags", []):
            kinds.append("extension")
        elif meta.get("solution"):
            kinds.append("answer")
        elif meta.get("grade"):
            kinds.append("test")
    assert kinds[:4] == ["hints", "guided", "answer", "try"], kinds
    assert set(kinds[4:-3]) == {"test"}, kinds
    assert kinds[-3:] == ["extension", "extension answer", "extension try"], kinds


def test_the_glossary_explains_thirty_words_and_each_is_used_in_a_lesson():
    """course/lessons/glossaire.md (copied beside the lessons, linked from « Par ici »): at
    least 30 words, each with its explanation, each met in a lesson."""
    glossary = (PROJECT_ROOT / "course" / "lessons" / "glossaire.md").read_text(encoding="utf-8")
    entries = re.findall(r"^- \*\*([^*]+)\*\* : (.+)$", glossary, flags=re.M)
    assert len(entries) >= 30
    lessons = " ".join(cell.source for path in LESSON_NOTEBOOKS
                       for cell in nbformat.read(path, 4).cells).lower()
    for word, explanation in entries:
        assert len(explanation) > 20, word
        first = re.sub(r"[`()]", "", word).split(" / ")[0].split(" (")[0].strip().lower()
        assert first in lessons, f"« {word} » is not in any lesson"
