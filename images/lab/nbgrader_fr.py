"""nbgrader's assignment list, in French, naming each exercise by its title (run at image build).

nbgrader 0.9's JupyterLab extension writes its words in English in its bundle (it has no
translations) and names exercises by folder. This rewrites the bundle of the pinned version:
each English text becomes French, and an exercise shows the ``title`` and ``when`` (week, due
date) that our exchange adds to each entry (decoder_exchange.py), a submission its
``submitted_text`` (when it was handed in), falling back to nbgrader's own fields. Every
replacement must be found exactly as many times as expected, or the build stops: a new
nbgrader version is then checked by hand, never half-translated.

Usage: python3 nbgrader_fr.py <labextensions>/@jupyter/nbgrader/static
"""

from __future__ import annotations

import sys
from pathlib import Path

# (English in the bundle, French, how many times it is there)
REPLACEMENTS = [
    ("Released, downloaded, and submitted assignments for course:", "Exercices du cours :", 1),
    ("Loading, please wait...", "Chargement…", 5),
    ('title="Refresh assignments list"', 'title="Actualiser la liste"', 1),
    ("Released assignments", "Exercices à récupérer", 1),
    ("There are no assignments to fetch.", "Aucun exercice à récupérer pour le moment.", 1),
    ("Downloaded assignments", "Exercices récupérés (dans le dossier exercices)", 1),
    ("There are no downloaded assignments.", "Aucun exercice récupéré.", 1),
    ("Submitted assignments", "Exercices rendus", 1),
    ("There are no submitted assignments.", "Aucun exercice rendu.", 1),
    ('innerText="Fetch"', 'innerText="Récupérer"', 1),
    ('innerText="Fetching..."', 'innerText="Récupération…"', 1),
    ('innerText="Submit"', 'innerText="Rendre"', 2),
    ('innerText="submitting..."', 'innerText="Envoi…"', 1),
    # the button fetches feedback again (« voir le retour » is the link that opens it)
    ('innerText="Fetch Feedback"', 'innerText="Mettre à jour les retours"', 1),
    ('innerText="Fetching Feedback..."', 'innerText="Mise à jour des retours…"', 1),
    # « (voir le retour) » opens the feedback page itself, not the folder that holds it (our
    # exchange gives each submission the page's path)
    ('n.commands.execute("filebrowser:go-to-path",{path:a})',
     'n.commands.execute("docmanager:open",{path:a,factory:"HTML Viewer"})', 1),
    ('innerText=" (view feedback)"', 'innerText=" (voir le retour)"', 1),
    ('innerText=" (feedback available to fetch)"', 'innerText=" (retour disponible)"', 1),
    ('innerText="Error fetching assignment."', 'innerText="Récupération impossible."', 1),
    ('innerText="Error submitting assignment."', 'innerText="Envoi impossible."', 1),
    ('innerText="Error fetching feedback."', 'innerText="Retour indisponible."', 1),
    ('innerText="Error fetching courses!"', 'innerText="Cours introuvable."', 1),
    ('innerText="No courses found."', 'innerText="Aucun cours."', 1),
    ('"Assignment not submitted:"', '"Exercice non rendu :"', 1),
    # « Validate »: runs the notebook's visible tests before handing it in
    ('innerText="Validate"', 'innerText="Vérifier"', 2),
    ('label:"Validate"', 'label:"Vérifier"', 1),
    ('setButtonLabel(e="Validate")', 'setButtonLabel(e="Vérifier")', 1),
    ('tooltip:"Validate Assignment"', 'tooltip:"Vérifier l\'exercice avec ses tests visibles"', 1),
    ('innerText="Validating..."', 'innerText="Vérification…"', 1),
    ('setButtonLabel("Validating...")', 'setButtonLabel("Vérification…")', 1),
    ('title:"Validation Results"', 'title:"Résultat de la vérification"', 1),
    ('title:"Validation failed"', 'title:"Vérification impossible"', 3),
    ('body:"Cannot save notebook"', 'body:"Le carnet n\'a pas pu être enregistré."', 1),
    ('"Success! Your notebook passes all the tests."',
     '"Bravo ! Votre carnet passe tous les tests visibles."', 1),
    ('"The following cell passed:"', '"Cette cellule réussit :"', 1),
    ('"The following cell failed:"', '"Cette cellule est à revoir :"', 1),
    ('"The source of the following cell has changed, but it should not have!"',
     '"Cette cellule de test a été modifiée : elle sera remise dans son état d\'origine à la '
     'correction."', 1),
    ('"There was an error running the validate command:"',
     '"La vérification n\'a pas pu se faire :"', 1),
    ('innerText="Error validating assignment."', 'innerText="Vérification impossible."', 1),
    ('title.label="Assignments"', 'title.label="Exercices"', 1),
    ('label:"Assignment List"', 'label:"Liste des exercices"', 1),
    # the exercise's title rather than its folder, and its week and due date beside it
    ("e.innerText=this.data.assignment_id,t.append(e),t}",
     "e.innerText=this.data.title||this.data.assignment_id,t.append(e),t}", 1),
    ('n.classList.add("item_course","col-sm-2"),n.innerText=this.data.course_id',
     'n.classList.add("item_course","col-sm-2"),n.innerText=this.data.when||this.data.course_id',
     1),
    # a submission named by when it was handed in, in the run's time and language (« rendu le
    # mardi 1er décembre 2026 à 23 h 10 »), not nbgrader's UTC timestamp with microseconds
    ('document.createElement("span").innerText=this.data.timestamp;',
     'document.createElement("span").innerText=this.data.submitted_text||this.data.timestamp;',
     1),
]
MARKER = "Released assignments"


def translate(text: str) -> str:
    """``text`` with every replacement made; ValueError naming the first that does not match."""
    for english, french, times in REPLACEMENTS:
        found = text.count(english)
        if found != times:
            raise ValueError(f"{english!r} is there {found} times, not {times}: nbgrader's "
                             "extension changed, check images/lab/nbgrader_fr.py by hand")
        text = text.replace(english, french)
    return text


def main(static: Path) -> int:
    bundles = [path for path in static.glob("*.js") if MARKER in path.read_text("utf-8")]
    if len(bundles) != 1:
        print(f"nbgrader_fr: expected one bundle with the assignment list in {static}, "
              f"found {len(bundles)}", file=sys.stderr)
        return 1
    try:
        bundles[0].write_text(translate(bundles[0].read_text("utf-8")), "utf-8")
    except ValueError as error:
        print(f"nbgrader_fr: {error}", file=sys.stderr)
        return 1
    print(f"nbgrader_fr: {bundles[0].name} translated")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
