"""A submitted notebook's nbgrader cells made to match its master's (pure).

nbgrader knows a notebook's graded cells by their ``grade_id``. JupyterLab lets a learner copy
a locked test cell (the copy carries the same id), and anyone can edit a cell's metadata; such
a notebook made nbgrader fail every time it was graded (its DeduplicateIds empties the copy's
metadata, then OverwriteCells reads a ``grade_id`` that is no longer there), and a resubmission
failed the same way. So before nbgrader sees a submission, its cells are put right here, the way
DeduplicateIds means to, and each repair is said to the learner:

- a cell whose id the master does not have, or whose nbgrader metadata is not nbgrader's
  (not a table, no text id), becomes an ordinary cell: it still runs, it is never graded;
- of the cells sharing one id, one keeps it (the one whose cell id is the master's own, as
  the fetched notebook has it; else the last, as DeduplicateIds does) and the copies become
  ordinary cells;
- a cell that keeps its id gets the master's nbgrader metadata back (points, kind of cell):
  points and locks are the master's, whatever the submission says;
- an answer or test cell of the master's that is gone (deleted, or its metadata erased) is put
  back, empty, after the master cell before it: nbgrader fills a test cell with the master's
  tests; an answer put back stays empty (the learner's code elsewhere still runs). nbgrader
  puts back a missing test cell itself, but fails for ever when the cell before it is gone too
  (its OverwriteCells looks that one up in the submission).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import nbformat

from decoder.messages import message


@dataclass(frozen=True)
class Repair:
    """One cell put right: ``kind`` is « copy » (a second cell with a graded cell's id),
    « unknown » (an id the master does not have), « broken » (metadata not nbgrader's) or
    « missing » (an answer or test cell of the master's, put back)."""

    kind: str
    grade_id: str
    position: int  # the cell's place in the submitted notebook, from 1

    def as_message(self) -> dict:
        """A message of the catalogue (``grader.repair_<kind>``)."""
        return message(f"grader.repair_{self.kind}", cell=self.grade_id, position=self.position)


def _nbgrader(cell) -> object:
    return cell.get("metadata", {}).get("nbgrader")


def master_cells(master: nbformat.NotebookNode) -> dict[str, dict]:
    """The master's graded cells by grade id: their nbgrader metadata and cell id."""
    cells = {}
    for cell in master.cells:
        meta = _nbgrader(cell)
        if isinstance(meta, dict) and isinstance(meta.get("grade_id"), str):
            cells[meta["grade_id"]] = {"nbgrader": dict(meta), "id": cell.get("id")}
    return cells


def _described(meta: object) -> bool:
    """nbgrader metadata that says something (nbgrader itself ignores an empty table)."""
    return not (isinstance(meta, dict) and not any(
        meta.get(flag) for flag in ("grade", "solution", "locked", "task", "grade_id")))


def repaired(submitted: nbformat.NotebookNode,
             master: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[Repair]]:
    """A copy of ``submitted`` whose graded cells match the master's, and what was put right."""
    notebook = copy.deepcopy(submitted)
    known = master_cells(master)
    repairs: list[Repair] = []
    ids = [_nbgrader(c).get("grade_id") if isinstance(_nbgrader(c), dict) else None
           for c in notebook.cells]
    keeper: dict[str, int] = {}
    for grade_id in {i for i in ids if isinstance(i, str)}:
        places = [n for n, i in enumerate(ids) if i == grade_id]
        own = [n for n in places if grade_id in known
               and notebook.cells[n].get("id") == known[grade_id]["id"]]
        keeper[grade_id] = own[0] if own else places[-1]
    for place, cell in enumerate(notebook.cells):
        meta = _nbgrader(cell)
        if meta is None:
            continue
        grade_id = ids[place]
        if not isinstance(meta, dict) or not isinstance(grade_id, str):
            if _described(meta):
                repairs.append(Repair("broken", str(grade_id or "?")[:60], place + 1))
            del cell.metadata["nbgrader"]
        elif grade_id not in known:
            repairs.append(Repair("unknown", grade_id[:60], place + 1))
            del cell.metadata["nbgrader"]
        elif keeper[grade_id] != place:
            repairs.append(Repair("copy", grade_id, place + 1))
            del cell.metadata["nbgrader"]
            for flag in ("deletable", "editable"):  # a copy of a locked cell: the learner's own
                cell.metadata.pop(flag, None)
        else:
            cell.metadata["nbgrader"] = dict(known[grade_id]["nbgrader"])
    repairs += _put_back_missing(notebook, master)
    return notebook, repairs


def _put_back_missing(notebook: nbformat.NotebookNode,
                      master: nbformat.NotebookNode) -> list[Repair]:
    """The master's answer and test cells that ``notebook`` (already put right) lacks, put
    back empty, each after the master's cell before it (at the top when none is there)."""
    repairs = []
    previous = None  # the grade id of the master's cell before, among those with one
    for master_cell in master.cells:
        meta = _nbgrader(master_cell)
        if not (isinstance(meta, dict) and isinstance(meta.get("grade_id"), str)):
            continue
        grade_id = meta["grade_id"]
        places = {_nbgrader(c)["grade_id"]: n for n, c in enumerate(notebook.cells)
                  if isinstance(_nbgrader(c), dict)}
        if grade_id not in places and (meta.get("grade") or meta.get("solution")):
            place = places[previous] + 1 if previous in places else 0
            cell = (nbformat.v4.new_code_cell if master_cell.cell_type == "code"
                    else nbformat.v4.new_markdown_cell)("", metadata={"nbgrader": dict(meta)})
            notebook.cells.insert(place, cell)
            repairs.append(Repair("missing", grade_id, place + 1))
        previous = grade_id
    return repairs
