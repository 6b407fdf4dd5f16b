"""What a learner may read of a grading report, and the feedback page made of it (pure).

Reports keep messages as keys of the catalogue (decoder/messages); they are said here, in the
reader's language. Before an instructor releases an assignment's hidden tests, a learner reads
each test cell's result, its message when the failure is in a visible test, a generic message
when it is in a hidden one (``secret``), and how many hidden tests there are: never their code,
their arguments or their full error.
"""

from __future__ import annotations

from html import escape

from .. import webpage
from ..dates import duration
from ..messages import message, render, say

HIDDEN_ONLY = ("detail", "hidden_source")


def learner_view(report: dict, hidden_released: bool, language: str = "fr") -> dict:
    """The report without what would reveal hidden tests (unless they are released), its
    messages said in ``language``."""
    tests = []
    for test in report.get("tests", []):
        shown = {key: value for key, value in test.items()
                 if hidden_released or key not in HIDDEN_ONLY}
        failure = test.get("message")
        if test.get("secret") and not hidden_released:
            failure = message("grader.hidden_failed")
        shown["message"] = render(failure, language) if failure else ""
        tests.append(shown)
    view = {key: value for key, value in report.items() if key != "tests"}
    view["error"] = render(report.get("error"), language) if report.get("error") else ""
    view["repairs"] = [render(repair, language) for repair in report.get("repairs", [])]
    return view | {"tests": tests}


def page(language: str, tab: str, body: str) -> str:
    """The feedback page: read in the service and as a file in JupyterLab (no header)."""
    return webpage.page(language, tab, body, navigation=False)


def feedback_html(view: dict, *, title: str, submitted_at: str, hidden_released: bool,
                  language: str = "fr", peer: dict | None = None) -> str:
    """A small, self-contained page: the score, then each test cell. An exercise evaluated by
    peers (``peer``: when its review opens and closes, by how many, out of how many points)
    has no score here: its tests only help, and the page says what happens next."""
    def say_(key: str, **params) -> str:
        return escape(say(f"feedback.{key}", language, **params))

    score, max_score = view.get("score", 0), view.get("max_score", 0)
    rows = []
    for test in view.get("tests", []):
        passed = not test.get("message")  # (a test of no points is passed or failed too)
        mark = say_("passed") if passed else say_("failed")
        hidden = (f"<br><small>{say_('hidden_count', n=test['hidden_tests'])}</small>"
                  if test.get("hidden_tests") else "")
        shown = "" if passed or not test.get("message") else \
            f"<pre class='message'>{escape(test['message'])}</pre>"
        if hidden_released and test.get("hidden_source"):
            shown += (f"<details><summary>{say_('hidden_code')}</summary>"
                      f"<pre>{escape(test['hidden_source'])}</pre></details>")
        if hidden_released and test.get("detail") and not passed:
            shown += (f"<details><summary>{say_('full_error')}</summary>"
                      f"<pre>{escape(test['detail'])}</pre></details>")
        by_hand = "" if test.get("auto_points") is None else \
            f"<br><small>{say_('by_hand', auto=format(test['auto_points'], 'g'))}</small>"
        points = "—" if peer else f"{test['points']:g} / {test['max_points']:g}{by_hand}"
        rows.append(f"<tr class='{'ok' if passed else 'ko'}'><td>{escape(test['grade_id'])}"
                    f"{hidden}</td><td>{mark}</td><td>{points}</td><td>{shown}</td></tr>")
    hidden_total = sum(t.get("hidden_tests", 0) for t in view.get("tests", []))
    hidden_note = say_("hidden_released") if hidden_released else \
        say_("hidden_note", n=hidden_total) if hidden_total else ""
    error = f"<p class='error'>{say_('error', error=view['error'])}</p>" \
        if view.get("error") else ""
    if view.get("interrupted_cells"):
        stopped = say_("interrupted", seconds=view.get("cell_timeout", "?"),
                       cells=", ".join(view["interrupted_cells"]))
        error += f"<p class='error' id='interrupted'>{stopped}</p>"
    if view.get("repairs"):
        error += ("<ul id='repairs'>" + "".join(f"<li>{escape(text)}</li>"
                                                for text in view["repairs"]) + "</ul>")
    late = ""
    if view.get("late_by"):
        late = f"<p class='late' id='late'>{say_('late', late=duration(view['late_by'], language))}"
        if view.get("late_penalty"):
            late += " " + say_("late_penalty", n=format(view["late_penalty"], "g"))
        late += "</p>"
    if view.get("hints_penalty"):
        late += ("<p class='late' id='hints-penalty'>" + say_(
            "hints_penalty", opened=view["hints_opened"], n=format(view["hints_penalty"], "g"))
            + "</p>")
    score_line = f"<p class='score' id='score'>{say_('score')} : " \
        f"<strong>{score:g} / {max_score:g}</strong></p>"
    if peer:
        score_line = (f"<p class='score' id='peer-next'>{say_('peer_next', **peer)}</p>"
                      f"<p>{say_('peer_tests')}</p>")
    return page(language, say("feedback.tab", language, title=title), f"""
<h1>{say_('title', title=title)}</h1>
<p>{say_('submitted', when=submitted_at)}</p>
{late}
{score_line}
{error}
<table><thead><tr><th>{say_('test')}</th><th>{say_('result')}</th><th>{say_('points')}</th>
<th>{say_('message')}</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
{marks_html(view.get("marks") or [], language)}
{f"<p>{hidden_note}</p>" if hidden_note else ""}
<p>{say_('again')}</p>""")


def marks_html(marks: list[dict], language: str) -> str:
    """The instructors' points and comments, cell by cell (from the formgrader)."""
    if not marks:
        return ""
    def say_(key: str, **params) -> str:
        return escape(say(f"feedback.{key}", language, **params))

    items = []
    for mark in marks:
        points = "" if mark.get("points") is None else \
            f" : <strong>{mark['points']:g} / {mark['max_points']:g}</strong>"
        comment = f"<pre class='comment'>{escape(mark['comment'])}</pre>" \
            if mark.get("comment") else ""
        items.append(f"<li><span class='cell'>{escape(mark['cell'])}</span>{points}{comment}</li>")
    return (f"<section id='marks'><h2>{say_('marks_title')}</h2>"
            f"<ul>{''.join(items)}</ul></section>")


def failed_html(*, title: str, submitted_at: str, attempts: int, language: str = "fr") -> str:
    """The page of a submission whose grading was given up (it kept stopping)."""
    def say_(key: str, **params) -> str:
        return escape(say(f"feedback.{key}", language, **params))

    return page(language, say("feedback.tab", language, title=title), f"""
<h1>{say_('title', title=title)}</h1>
<h2 id="grading-failed">{say_('grading_failed_title')}</h2>
<p class="error">{say_('grading_failed', when=submitted_at, attempts=attempts)}</p>""")
