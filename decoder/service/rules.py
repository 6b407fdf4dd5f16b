"""What a submission may be, and when an assignment may be fetched or submitted (pure).

Every refusal is a :class:`Refused` carrying an HTTP status and a message a learner can read, in
French, that says what happened and what to do.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import nbformat

from ..course import Course

SAFE_PART = re.compile(r"^[\w][\w .()\-]{0,99}$")  # letters (accents too), digits, _ . ( ) - space
MAX_FILES = 50
MAX_DEPTH = 3


@dataclass
class Refused(Exception):
    status: int
    message: str

    def __str__(self) -> str:
        return self.message


def assignment_open(course: Course, name: str, now: dt.datetime):
    """The assignment ``name`` if it exists, is autograded by the service and its week is open."""
    try:
        assignment = course.assignment(name)
    except KeyError:
        raise Refused(404, f"L'exercice « {name} » n'existe pas dans ce cours. Vérifiez son nom "
                      "dans la liste des exercices.") from None
    week = course.week(assignment.week)
    if week.opens > now:
        opens = week.opens.strftime("%d/%m/%Y à %H:%M")
        raise Refused(403, f"L'exercice « {name} » n'est pas encore ouvert : il le sera le "
                      f"{opens}. Revenez à ce moment-là.")
    return assignment


def check_file_name(path: str) -> None:
    """A relative path of at most three plain parts: no '..', no hidden file, no odd character."""
    parts = path.split("/")
    if (not path or len(parts) > MAX_DEPTH or path.startswith("/") or "\\" in path
            or any(not SAFE_PART.match(part) or part in (".", "..") for part in parts)):
        raise Refused(400, f"Le nom de fichier « {path[:120]} » n'est pas accepté : utilisez "
                      "des lettres, des chiffres, des espaces, « - », « _ » ou « . », sans "
                      "dossier caché ni « .. ». Renommez-le puis soumettez à nouveau.")


def check_submission(name: str, files: dict[str, bytes], max_bytes: int) -> None:
    """The files of a submission of assignment ``name``: names, count, size, and the notebook."""
    if len(files) > MAX_FILES:
        raise Refused(400, f"Trop de fichiers ({len(files)}) : une soumission en contient au "
                      f"plus {MAX_FILES}. Retirez ceux qui ne servent pas à l'exercice.")
    for path in files:
        check_file_name(path)
    total = sum(len(content) for content in files.values())
    if total > max_bytes:
        raise Refused(413, too_big_message(total, max_bytes))
    notebook = f"{name}.ipynb"
    if notebook not in files:
        raise Refused(400, f"Le carnet « {notebook} » manque dans la soumission. Récupérez "
                      "l'exercice (« Fetch ») et travaillez dans ce carnet, sans le renommer.")
    for path, content in files.items():
        if path.endswith(".ipynb"):
            check_notebook(path, content)


def too_big_message(size: int, max_bytes: int) -> str:
    return (f"La soumission pèse {size / 2**20:.1f} Mo, plus que la limite de "
            f"{max_bytes / 2**20:.0f} Mo. Effacez les sorties des cellules (menu Édition → "
            "Effacer toutes les sorties) ou retirez les gros fichiers, puis soumettez à nouveau.")


def check_notebook(path: str, content: bytes) -> None:
    try:
        notebook = nbformat.reads(content.decode("utf-8"), as_version=4)
        nbformat.validate(notebook)
    except (UnicodeDecodeError, json.JSONDecodeError, nbformat.ValidationError,
            nbformat.reader.NotJSONError, KeyError, TypeError, AttributeError) as error:
        raise Refused(400, f"Le carnet « {path} » est abîmé et ne peut pas être lu "
                      f"({type(error).__name__}). Ouvrez-le dans JupyterLab, enregistrez-le, "
                      "puis soumettez à nouveau.") from None
