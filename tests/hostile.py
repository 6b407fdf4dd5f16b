"""Takeovers of the learner's kernel, each as the answer cell of a real exercise (s1-bonjour),
each paired with a wrong answer: graded anywhere, each must score zero, and what the learner
reads must hold none of the hidden tests' code, arguments or expected values.

Used by tests/test_grading_sandbox.py (``decoder grade``'s path) and tests/test_hostile_
submissions.py (real submissions to the course service). Before the trusted test process, each
of the first seven made every later test cell pass: test cells ran in the kernel they take over.
"""

from __future__ import annotations

import json

import nbformat

NAME = "s1-bonjour"
WRONG = "def saluer(prenom):\n    return 'Salut ' + prenom\n"
RIGHT = "def saluer(prenom):\n    return 'Bonjour, ' + prenom + ' !'\n"
# what only the hidden tests hold: their arguments, their expected values, their code
HIDDEN_WORDS = ("Jean-Marc", "Zoé", "Marie-Hélène", "Marie-H\\u00e9l", "BEGIN HIDDEN",
                "for prenom in")

TAKEOVERS = {
    "input-transformer": """
get_ipython().input_transformers_post.append(lambda lines: ["pass\\n"])
""",
    "ast-transformer": """
import ast
class Vide(ast.NodeTransformer):
    def visit_Module(self, node):
        return ast.Module(body=[ast.Pass()], type_ignores=[])
get_ipython().ast_transformers.append(Vide())
""",
    "run-cell-replaced": """
from IPython.core.interactiveshell import ExecutionInfo, ExecutionResult
ip = get_ipython()
def reussi(raw_cell, *args, **kwargs):
    return ExecutionResult(ExecutionInfo(raw_cell, False, False, False, None))
async def reussi_async(raw_cell, *args, **kwargs):
    return reussi(raw_cell)
ip.run_cell, ip.run_cell_async = reussi, reussi_async
""",
    "execute-handler-replaced": """
noyau = get_ipython().kernel
async def toujours_ok(*args, **kwargs):
    return {"status": "ok", "execution_count": 1, "user_expressions": {}, "payload": []}
noyau.do_execute = toujours_ok
""",
    "checks-replaced": """
import sys, types, graders.checks
faux = types.ModuleType("graders.checks")
faux.verifier = lambda *args, **kwargs: None
faux.Erreur = lambda *args, **kwargs: None
sys.modules["graders.checks"] = faux
graders.checks.verifier = faux.verifier
""",
    "exception-handler": """
get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)
""",
    "trace-function": """
import ctypes, sys, threading
def espion(frame, event, arg):
    if event == "call" and frame.f_code.co_name == "verifier":
        frame.f_locals["attendu"] = frame.f_locals["obtenu"]
        ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))
    return None
sys.settrace(espion)
threading.settrace(espion)
""",
    "lying-object": """
class Tout(str):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __hash__(self):
        return 0
    def __repr__(self):
        return "'Bonjour, Awa !'"
    __class__ = property(lambda self: str)
def saluer(prenom):
    return Tout("Bonjour, " + prenom + " !!")
""",
    "records-later-cells-and-raises-them": """
vus = []
def espion(lines):
    vus.append("".join(lines))
    if len(vus) > 1:
        raise ValueError("VU " + " | ".join(vus))
    return lines
get_ipython().input_transformers_post.append(espion)
""",
    "raises-with-its-arguments": """
def saluer(prenom):
    raise ValueError("VU " + prenom)
""",
    "reads-the-files-around-it": """
import os
textes = []
for racine in {os.getcwd(), os.path.dirname(os.getcwd()), "/tmp"}:
    for dossier, _, fichiers in os.walk(racine):
        for fichier in fichiers:
            try:
                textes.append(open(os.path.join(dossier, fichier), errors="ignore").read())
            except OSError:
                pass
tout = "\\n".join(textes)
def saluer(prenom):
    debut = max(tout.find("Jean-Marc") - 5, 0)
    return tout[debut:debut + 70] if "Jean-Marc" in tout else "Salut " + prenom
""",
}


def answer_of(case: str) -> str:
    """The answer cell's code: the takeover, then a wrong answer (unless it brings its own)."""
    code = TAKEOVERS[case]
    return code if "def saluer" in code else code + "\n" + WRONG


def with_answer(student_version, answer: str, edit=None) -> nbformat.NotebookNode:
    notebook = nbformat.from_dict(json.loads(nbformat.writes(student_version)))
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "reponse":
            cell.source = answer
    if edit:
        edit(notebook)
    return notebook


def hidden_first(notebook) -> None:
    """Move the test cell that holds only hidden tests before the other test cells: in a
    grader that runs each cell's hidden tests where the cell is, the learner's code would see
    the hidden arguments before writing the visible message."""
    cells = notebook.cells
    hidden = next(c for c in cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "test-autres-prenoms")
    cells.remove(hidden)
    first_test = next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade")
                      and not c.metadata["nbgrader"].get("solution"))
    cells.insert(first_test, hidden)


# records every argument it is called with, and says them all when called with the visible one
RECORDS_ARGUMENTS = """
vus = []
def saluer(prenom):
    vus.append(prenom)
    if prenom == "Awa":
        raise ValueError("VU " + ", ".join(vus))
    return "Salut " + prenom
"""


def leaks(text: str) -> list[str]:
    """The hidden tests' words found in ``text`` (what a learner reads)."""
    return [word for word in HIDDEN_WORDS if word in text]
