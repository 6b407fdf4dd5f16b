"""What a learner may read of a grading report, and the feedback page made of it (pure).

Before an instructor releases an assignment's hidden tests, a learner reads each test cell's
result and message and how many hidden tests there are, never their code or their full error.
"""

from __future__ import annotations

from html import escape

HIDDEN_ONLY = ("detail", "hidden_source")


def learner_view(report: dict, hidden_released: bool) -> dict:
    """The report without what would reveal hidden tests (unless they are released)."""
    tests = []
    for test in report.get("tests", []):
        shown = dict(test)
        if not hidden_released:
            for key in HIDDEN_ONLY:
                shown.pop(key, None)
        tests.append(shown)
    return {key: value for key, value in report.items() if key != "tests"} | {"tests": tests}


LABELS = {
    "fr": {"title": "Retour sur « {title} »", "tab": "Retour : {title}",
           "submitted": "Soumis le {when}.", "score": "Note", "test": "Test",
           "result": "Résultat", "points": "Points", "message": "Message", "passed": "réussi",
           "failed": "à revoir", "hidden_count": "dont {n} test(s) caché(s)",
           "hidden_code": "Tests cachés (publiés par la formatrice)",
           "full_error": "Erreur complète",
           "hidden_released": "Les tests cachés sont publiés : leur détail est ci-dessous.",
           "hidden_note": "{n} test(s) caché(s) comptent aussi dans la note ; leur détail sera "
                          "publié par votre formatrice.",
           "error": "La correction n'a pas pu aller au bout : {error}",
           "interrupted": "Cellule arrêtée au bout de {seconds} s : {cells}. Une boucle sans "
                          "fin ? Vérifiez que votre boucle s'arrête, puis soumettez à nouveau.",
           "again": "Vous pouvez corriger votre carnet et soumettre à nouveau : c'est la "
                    "dernière soumission qui compte."},
    "en": {"title": "Feedback on “{title}”", "tab": "Feedback: {title}",
           "submitted": "Submitted on {when}.", "score": "Score", "test": "Test",
           "result": "Result", "points": "Points", "message": "Message", "passed": "passed",
           "failed": "to review", "hidden_count": "including {n} hidden test(s)",
           "hidden_code": "Hidden tests (published by your instructor)",
           "full_error": "Full error",
           "hidden_released": "Hidden tests are published: their detail is below.",
           "hidden_note": "{n} hidden test(s) count in the score too; your instructor will "
                          "publish their detail.",
           "error": "Grading could not finish: {error}",
           "interrupted": "Cell stopped after {seconds} s: {cells}. An endless loop? Check "
                          "that your loop ends, then submit again.",
           "again": "You can fix your notebook and submit again: your last submission is the "
                    "one that counts."},
}


def feedback_html(view: dict, *, title: str, submitted_at: str, hidden_released: bool,
                  language: str = "fr") -> str:
    """A small, self-contained page: the score, then each test cell."""
    say = LABELS.get(language, LABELS["fr"])
    score, max_score = view.get("score", 0), view.get("max_score", 0)
    rows = []
    for test in view.get("tests", []):
        passed = test["points"] >= test["max_points"]
        mark = say["passed"] if passed else say["failed"]
        hidden = (f"<br><small>{say['hidden_count'].format(n=test['hidden_tests'])}</small>"
                  if test.get("hidden_tests") else "")
        message = "" if passed or not test.get("message") else \
            f"<pre class='message'>{escape(test['message'])}</pre>"
        detail = ""
        if hidden_released and test.get("hidden_source"):
            detail += (f"<details><summary>{say['hidden_code']}</summary>"
                       f"<pre>{escape(test['hidden_source'])}</pre></details>")
        if hidden_released and test.get("detail") and not passed:
            detail += (f"<details><summary>{say['full_error']}</summary>"
                       f"<pre>{escape(test['detail'])}</pre></details>")
        rows.append(f"<tr class='{'ok' if passed else 'ko'}'><td>{escape(test['grade_id'])}"
                    f"{hidden}</td><td>{mark}</td><td>{test['points']:g} / "
                    f"{test['max_points']:g}</td><td>{message}{detail}</td></tr>")
    hidden_total = sum(t.get("hidden_tests", 0) for t in view.get("tests", []))
    hidden_note = (say["hidden_released"] if hidden_released
                   else say["hidden_note"].format(n=hidden_total))
    error = (f"<p class='error'>{escape(say['error'].format(error=view['error']))}</p>"
             if view.get("error") else "")
    if view.get("interrupted_cells"):
        stopped = say["interrupted"].format(seconds=view.get("cell_timeout", "?"),
                                            cells=", ".join(view["interrupted_cells"]))
        error += f"<p class='error' id='interrupted'>{escape(stopped)}</p>"
    return f"""<!DOCTYPE html>
<html lang="{'en' if language == 'en' else 'fr'}"><head><meta charset="utf-8">
<title>{escape(say['tab'].format(title=title))}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 60em; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: .4em; vertical-align: top; text-align: left; }}
tr.ok td {{ background: #eefbea; }} tr.ko td {{ background: #fdf0ee; }}
pre {{ white-space: pre-wrap; margin: 0; }} .score {{ font-size: 1.4em; }}
</style></head><body>
<h1>{escape(say['title'].format(title=title))}</h1>
<p>{escape(say['submitted'].format(when=submitted_at))}</p>
<p class="score" id="score">{say['score']} : <strong>{score:g} / {max_score:g}</strong></p>
{error}
<table><thead><tr><th>{say['test']}</th><th>{say['result']}</th><th>{say['points']}</th>
<th>{say['message']}</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<p>{escape(hidden_note)}</p>
<p>{escape(say['again'])}</p>
</body></html>
"""
