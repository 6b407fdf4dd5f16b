"""A submitted notebook's graded cells put right before nbgrader sees them (graders/structure.py):
each repair on its own, then bent notebooks by the hundred through nbgrader's own sanitizing
preprocessors (the ones that failed for ever on a copied test cell), with the real gradebook
of a course exercise made by ``nbgrader generate_assignment``."""

from __future__ import annotations

import copy

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbconvert.preprocessors import ClearOutputPreprocessor
from nbgrader.preprocessors import (
    CheckCellMetadata,
    DeduplicateIds,
    OverwriteCells,
    OverwriteKernelspec,
)

from decoder.messages import render
from decoder.settings import PlatformSettings
from graders.runner import prepare_assignment
from graders.structure import repaired

NAME = "s1-calculs"


@pytest.fixture(scope="module")
def master():
    return nbformat.read(PlatformSettings().masters_dir / NAME / f"{NAME}.ipynb", 4)


@pytest.fixture(scope="module")
def released(master):
    """The notebook as a learner fetches it (the master's cell ids, answers to write)."""
    notebook = copy.deepcopy(master)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "def prix_total(prix_unitaire, quantite):\n    return 0\n"
    return notebook


def pasted(cell, new_id: str):
    """A cell copied and pasted in JupyterLab: the same metadata, a new cell id."""
    copied = copy.deepcopy(cell)
    copied["id"] = new_id
    return copied


def graded(notebook, grade_id: str):
    """The cell of ``notebook`` with this grade id."""
    return next(c for c in notebook.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def place_of(notebook, grade_id: str) -> int:
    return notebook.cells.index(graded(notebook, grade_id))


def grade_ids(notebook) -> list[str]:
    return [c.metadata["nbgrader"]["grade_id"] for c in notebook.cells
            if "nbgrader" in c.metadata]


def test_a_whole_notebook_is_left_as_it_is(released, master):
    notebook, repairs = repaired(released, master)
    assert repairs == []
    assert notebook == released


@pytest.mark.parametrize("where", [0, 2, -1])
def test_a_pasted_test_cell_is_an_ordinary_cell_wherever_it_is(released, master, where):
    test = graded(released, "test-exemple")
    notebook = copy.deepcopy(released)
    place = len(notebook.cells) if where == -1 else where
    notebook.cells.insert(place, pasted(test, "c0ffee00"))
    fixed, repairs = repaired(notebook, master)
    assert [(r.kind, r.grade_id, r.position) for r in repairs] == \
        [("copy", "test-exemple", place + 1)]
    assert grade_ids(fixed) == grade_ids(released)  # the original keeps its place and its id
    copy_cell = fixed.cells[place]
    assert "nbgrader" not in copy_cell.metadata and "deletable" not in copy_cell.metadata
    assert copy_cell.source == test.source  # it still runs, as the learner left it
    said = render(repairs[0].as_message(), "fr")
    assert f"cellule n° {place + 1}" in said and "« test-exemple »" in said


def test_without_the_masters_cell_id_the_last_copy_keeps_the_id(released, master):
    notebook = copy.deepcopy(released)
    for cell in notebook.cells:
        cell["id"] = cell["id"] + "x"  # a notebook rebuilt by hand: no cell id is the master's
    notebook.cells.append(pasted(graded(notebook, "reponse"), "c0ffee01"))
    fixed, repairs = repaired(notebook, master)
    assert [(r.kind, r.position) for r in repairs] == \
        [("copy", place_of(notebook, "reponse") + 1)]  # as DeduplicateIds does
    assert "nbgrader" in fixed.cells[-1].metadata


def test_unknown_and_broken_graded_cells_are_ordinary_cells(released, master):
    notebook = copy.deepcopy(released)
    unknown = pasted(graded(released, "test-exemple"), "c0ffee02")
    unknown.metadata["nbgrader"]["grade_id"] = "mes-points"
    broken = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"grade": True,
                                                                       "points": 99}})
    odd = nbformat.v4.new_code_cell("y = 2", metadata={"nbgrader": "n'importe quoi"})
    empty = nbformat.v4.new_code_cell("z = 3", metadata={"nbgrader": {}})
    before = len(notebook.cells)
    notebook.cells += [unknown, broken, odd, empty]
    fixed, repairs = repaired(notebook, master)
    assert [(r.kind, r.position) for r in repairs] == [
        ("unknown", before + 1), ("broken", before + 2), ("broken", before + 3)]
    assert all("nbgrader" not in c.metadata for c in fixed.cells[before:])
    assert "mes-points" in render(repairs[0].as_message(), "en")


def test_a_graded_cell_gets_the_masters_points_and_kind_back(released, master):
    notebook = copy.deepcopy(released)
    graded(notebook, "test-exemple").metadata["nbgrader"].update(points=1000, locked=False,
                                                                 solution=True)
    fixed, repairs = repaired(notebook, master)
    assert repairs == []  # nothing to tell the learner: the master's metadata is simply used
    assert graded(fixed, "test-exemple").metadata["nbgrader"] == \
        graded(master, "test-exemple").metadata["nbgrader"]


def sanitized(notebook, template, tmp_path):
    """nbgrader's sanitizing preprocessors, as Autograde runs them (test cells put back)."""
    resources = {"nbgrader": {"db_url": f"sqlite:///{template / 'gradebook.db'}",
                              "assignment": NAME, "notebook": NAME, "student": "learner"}}
    for preprocessor in (ClearOutputPreprocessor(), DeduplicateIds(), OverwriteKernelspec(),
                         OverwriteCells(add_missing_cells=True), CheckCellMetadata()):
        notebook, resources = preprocessor.preprocess(notebook, resources)
    return notebook


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    settings = PlatformSettings()
    return prepare_assignment(settings.masters_dir / NAME, settings.course_config,
                              tmp_path_factory.mktemp("templates"))


def test_without_the_repair_nbgrader_fails_on_a_pasted_test_cell(released, template, tmp_path):
    """Why the repair exists (and that this test's nbgrader pipeline is the failing one)."""
    notebook = copy.deepcopy(released)
    notebook.cells.append(pasted(graded(released, "test-exemple"), "c0ffee03"))
    with pytest.raises(KeyError):
        sanitized(notebook, template, tmp_path)


METADATA = st.one_of(
    st.none(), st.just({}), st.text(max_size=5), st.integers(),
    st.fixed_dictionaries({}, optional={
        "grade_id": st.one_of(st.sampled_from(["reponse", "test-exemple", "test-cas-limites",
                                               "consigne", "inconnu"]), st.integers()),
        "grade": st.booleans(), "solution": st.booleans(), "locked": st.booleans(),
        "task": st.booleans(), "points": st.one_of(st.integers(-5, 10**6), st.text(max_size=3)),
        "schema_version": st.sampled_from([1, 3, "x"])}))


@st.composite
def bent(draw, released):
    notebook = nbformat.reads(nbformat.writes(released), as_version=4)
    for _ in range(draw(st.integers(0, 4))):
        source = draw(st.sampled_from(notebook.cells))
        cell = pasted(source, draw(st.from_regex(r"[a-z0-9]{8}", fullmatch=True)))
        meta = draw(METADATA)
        if meta is not None:
            cell.metadata["nbgrader"] = meta
        notebook.cells.insert(draw(st.integers(0, len(notebook.cells))), cell)
    for _ in range(draw(st.integers(0, 3))):  # cells deleted, or their metadata erased
        place = draw(st.integers(0, len(notebook.cells) - 1))
        if len(notebook.cells) > 1 and draw(st.booleans()):
            notebook.cells.pop(place)
        else:
            notebook.cells[place].metadata.pop("nbgrader", None)
    return notebook


def test_any_bent_notebook_passes_nbgrader_once_repaired(released, master, template, tmp_path):
    graded_ids = {c.metadata["nbgrader"]["grade_id"] for c in master.cells
                  if c.metadata.get("nbgrader", {}).get("grade")}

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(bent(released))
    def passes(notebook):
        fixed, _ = repaired(notebook, master)
        result = sanitized(fixed, template, tmp_path)
        ids = grade_ids(result)
        assert len(ids) == len(set(ids)) and graded_ids <= set(ids)  # each graded cell, once

    passes()


def test_gone_answer_and_test_cells_are_put_back_where_nbgrader_fails_without(
        released, master, template, tmp_path):
    """The answer cell's metadata erased (its code still runs, as an ordinary cell) and the
    test after it deleted: nbgrader's OverwriteCells looks the answer up to put the test back
    after it, and fails on every try (seen by the fuzz test of grading). Repaired, both are
    back, empty, and nbgrader fills the test with the master's."""
    notebook = copy.deepcopy(released)
    answer = graded(notebook, "reponse")
    del answer.metadata["nbgrader"]
    first_test = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade"))
    notebook.cells.remove(first_test)
    with pytest.raises(KeyError):
        sanitized(copy.deepcopy(notebook), template, tmp_path)
    fixed, repairs = repaired(notebook, master)
    test_id = first_test.metadata["nbgrader"]["grade_id"]
    assert [(r.kind, r.grade_id) for r in repairs] == [("missing", "reponse"),
                                                      ("missing", test_id)]
    assert grade_ids(fixed) == grade_ids(released)  # each in the master's order
    put_back = {c.metadata["nbgrader"]["grade_id"]: c for c in fixed.cells
                if "nbgrader" in c.metadata}
    assert put_back["reponse"].source == ""  # never the master's solution
    assert answer.source in [c.source for c in fixed.cells]  # the learner's code still runs
    result = sanitized(fixed, template, tmp_path)
    master_test = next(c for c in master.cells
                       if c.metadata.get("nbgrader", {}).get("grade_id") == test_id)
    assert next(c for c in result.cells if c.metadata.get("nbgrader", {}).get(
        "grade_id") == test_id).source == master_test.source
    said = render(repairs[0].as_message(), "fr")
    assert "« reponse »" in said and "remise, vide" in said
