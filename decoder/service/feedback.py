"""What a learner may read of a grading report, and the feedback page made of it (pure).

Before an instructor releases an assignment's hidden tests, a learner reads each test cell's
result and message and how many hidden tests there are, never their code or their full error.
"""

from __future__ import annotations

import hashlib
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


def feedback_html(view: dict, *, title: str, submitted_at: str, hidden_released: bool) -> str:
    """A small, self-contained French page: the score, then each test cell."""
    score, max_score = view.get("score", 0), view.get("max_score", 0)
    rows = []
    for test in view.get("tests", []):
        passed = test["points"] >= test["max_points"]
        mark = "réussi" if passed else "à revoir"
        hidden = (f"<br><small>dont {test['hidden_tests']} test(s) caché(s)</small>"
                  if test.get("hidden_tests") else "")
        message = "" if passed or not test.get("message") else \
            f"<pre class='message'>{escape(test['message'])}</pre>"
        detail = ""
        if hidden_released and test.get("hidden_source"):
            detail += ("<details><summary>Tests cachés (publiés par la formatrice)</summary>"
                       f"<pre>{escape(test['hidden_source'])}</pre></details>")
        if hidden_released and test.get("detail") and not passed:
            detail += (f"<details><summary>Erreur complète</summary>"
                       f"<pre>{escape(test['detail'])}</pre></details>")
        rows.append(f"<tr class='{'ok' if passed else 'ko'}'><td>{escape(test['grade_id'])}"
                    f"{hidden}</td><td>{mark}</td><td>{test['points']:g} / "
                    f"{test['max_points']:g}</td><td>{message}{detail}</td></tr>")
    hidden_total = sum(t.get("hidden_tests", 0) for t in view.get("tests", []))
    hidden_note = ("Les tests cachés sont publiés : leur détail est ci-dessous." if hidden_released
                   else f"{hidden_total} test(s) caché(s) comptent aussi dans la note ; leur "
                   "détail sera publié par votre formatrice.")
    error = (f"<p class='error'>La correction n'a pas pu aller au bout : "
             f"{escape(view['error'])}</p>" if view.get("error") else "")
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Retour : {escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 60em; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: .4em; vertical-align: top; text-align: left; }}
tr.ok td {{ background: #eefbea; }} tr.ko td {{ background: #fdf0ee; }}
pre {{ white-space: pre-wrap; margin: 0; }} .score {{ font-size: 1.4em; }}
</style></head><body>
<h1>Retour sur « {escape(title)} »</h1>
<p>Soumis le {escape(submitted_at)}.</p>
<p class="score" id="score">Note : <strong>{score:g} / {max_score:g}</strong></p>
{error}
<table><thead><tr><th>Test</th><th>Résultat</th><th>Points</th><th>Message</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<p>{hidden_note}</p>
<p>Vous pouvez corriger votre carnet et soumettre à nouveau : c'est la dernière soumission
qui compte.</p>
</body></html>
"""


def checksum(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()[:16]
