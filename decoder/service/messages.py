"""What the course service says to learners, in French and in English (pure data).

The service speaks the platform's ``ui_language`` ('fr' by default, 'en'), as the hub's pages
do. Each message says what happened and what to do.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "not_signed_in": (
        "Vous n'êtes pas connecté(e) au cours : rouvrez JupyterLab depuis la page d'accueil du "
        "cours, puis réessayez.",
        "You are not signed in to the course: reopen JupyterLab from the course's home page, "
        "then try again."),
    "not_json": ("La requête n'est pas du JSON valide.", "The request is not valid JSON."),
    "server_error": (
        "Le service du cours a rencontré une erreur ({status}) : réessayez dans un moment, et "
        "prévenez votre formatrice si cela continue.",
        "The course service ran into an error ({status}): try again in a moment, and tell your "
        "instructor if it goes on."),
    "request_refused": ("Requête refusée ({status} {reason}).",
                        "Request refused ({status} {reason})."),
    "empty": (
        "La soumission est vide ou mal formée : soumettez depuis la liste des exercices de "
        "JupyterLab.",
        "The submission is empty or malformed: submit from JupyterLab's assignment list."),
    "malformed": (
        "La soumission est mal formée : soumettez depuis la liste des exercices de JupyterLab.",
        "The submission is malformed: submit from JupyterLab's assignment list."),
    "bad_encoding": (
        "Le fichier « {name} » est mal encodé : soumettez depuis la liste des exercices de "
        "JupyterLab.",
        "The file “{name}” is badly encoded: submit from JupyterLab's assignment list."),
    "bad_name": (
        "Le nom de fichier « {name} » n'est pas accepté : utilisez des lettres, des chiffres, "
        "des espaces, « - », « _ » ou « . », sans dossier caché ni « .. ». Renommez-le puis "
        "soumettez à nouveau.",
        "The file name “{name}” is not accepted: use letters, digits, spaces, “-”, “_” or “.”, "
        "no hidden folder and no “..”. Rename it, then submit again."),
    "unknown_assignment": (
        "L'exercice « {name} » n'existe pas dans ce cours. Vérifiez son nom dans la liste des "
        "exercices.",
        "There is no exercise “{name}” in this course. Check its name in the assignment list."),
    "not_open": (
        "L'exercice « {name} » n'est pas encore ouvert : il le sera le {opens}. Revenez à ce "
        "moment-là.",
        "The exercise “{name}” is not open yet: it opens on {opens}. Come back then."),
    "peer_reviewed": (
        "L'exercice « {name} » est évalué par les pairs : il se rend avec l'évaluation par les "
        "pairs, pas ici.",
        "The exercise “{name}” is peer-reviewed: hand it in through peer review, not here."),
    "too_many_files": (
        "Trop de fichiers ({count}) : une soumission en contient au plus {most}. Retirez ceux "
        "qui ne servent pas à l'exercice.",
        "Too many files ({count}): a submission holds at most {most}. Remove those the exercise "
        "does not need."),
    "too_big": (
        "La soumission pèse {size:.1f} Mo, plus que la limite de {limit:.0f} Mo. Effacez les "
        "sorties des cellules (menu Édition → Effacer toutes les sorties) ou retirez les gros "
        "fichiers, puis soumettez à nouveau.",
        "The submission weighs {size:.1f} MB, more than the {limit:.0f} MB limit. Clear the "
        "cells' outputs (Edit → Clear Outputs of All Cells) or remove big files, then submit "
        "again."),
    "notebook_missing": (
        "Le carnet « {notebook} » manque dans la soumission. Récupérez l'exercice (« Fetch ») "
        "et travaillez dans ce carnet, sans le renommer.",
        "The notebook “{notebook}” is missing from the submission. Fetch the exercise and work "
        "in that notebook without renaming it."),
    "notebook_broken": (
        "Le carnet « {name} » est abîmé et ne peut pas être lu ({error}). Ouvrez-le dans "
        "JupyterLab, enregistrez-le, puis soumettez à nouveau.",
        "The notebook “{name}” is damaged and cannot be read ({error}). Open it in JupyterLab, "
        "save it, then submit again."),
    "not_yours": ("Cette soumission n'existe pas, ou n'est pas la vôtre.",
                  "This submission does not exist, or is not yours."),
    "not_graded_yet": (
        "La correction de cette soumission n'est pas encore finie : réessayez dans quelques "
        "secondes.",
        "This submission is still being graded: try again in a few seconds."),
    "instructors_only": ("Réservé aux formatrices et formateurs.", "For instructors only."),
}

LANGUAGES = ("fr", "en")


def say(key: str, language: str = "fr", **params) -> str:
    """The message ``key`` in ``language`` (French when the language is not known)."""
    french, english = MESSAGES[key]
    return (english if language == "en" else french).format(**params)
