"""The peer-review pages of the course service, as HTML (pure): the learner's overview, the
review form, the reviews received, and the instructors' page.

Everything a learner wrote is either escaped (names of cells, code) or rendered through the
strict Markdown sanitiser (sanitize.py); the pages run no script at all (and say so in their
Content-Security-Policy, handlers.py). Forms post back to the service with the hub's xsrf
token. No page shows a reviewer's name to an author, or an author's name to a reviewer.
"""

from __future__ import annotations

from html import escape

from .. import webpage
from ..dates import when
from ..messages import say
from .sanitize import markdown_html

PREFIX = "/services/course/peer"
EXTRA_STYLE = """
fieldset { margin: 1em 0; border: 1px solid #ccc; } legend { font-weight: bold; }
textarea { width: 100%; min-height: 5em; } .cell { border-left: 4px solid #ddd; margin: 1em 0;
padding-left: .8em; }
.outputs { border-left: 4px solid #9cc; padding-left: .6em; } img.output { max-width: 100%; }
"""


def page(language: str, title: str, body: str) -> str:
    return webpage.page(language, title, body, extra_style=EXTRA_STYLE)


def form(action: str, xsrf: str, inner: str, button: str) -> str:
    return (f"<form method='post' action='{escape(action)}'>"
            f"<input type='hidden' name='_xsrf' value='{escape(xsrf)}'>{inner}"
            f"<button type='submit'>{escape(button)}</button></form>")


def home_page(exercises: list[tuple[str, str]], language: str) -> str:
    """The peer-reviewed exercises, each linked to its overview."""
    title = say("peer.home_title", language)
    links = "".join(f"<li><a href='{PREFIX}/{name}'>{escape(label)}</a></li>"
                    for name, label in exercises)
    return page(language, title, f"<h1>{escape(title)}</h1><ul>{links}</ul>")


def overview_page(state: dict, xsrf: str, language: str) -> str:
    def t(key: str, **params) -> str:
        return escape(say(f"peer.{key}", language, **params))

    name = state["assignment"]
    parts = [f"<h1>{t('overview_title', title=state['title'])}</h1>",
             f"<p>{t('window', opens=when(state['opens'], language), closes=when(state['closes'], language))}</p>"]  # noqa: E501
    if not state["submitted"]:
        parts.append(f"<p class='note'>{t('not_submitted')}</p>")
    parts.append(f"<p id='given'>{t('given', given=state['given'], required=state['required'])}</p>")  # noqa: E501
    if state["open"]:
        parts.append(form(f"{PREFIX}/{name}/ask", xsrf, "", say("peer.ask", language)))
    if state["held"]:
        parts.append(f"<h2>{t('held')}</h2><ul>" + "".join(
            f"<li><a href='{PREFIX}/review/{i}'>{t('review_number', number=i)}</a></li>"
            for i in state["held"]) + "</ul>")
    if state["given_ids"]:
        parts.append(f"<h2>{t('given_list')}</h2><ul>" + "".join(
            f"<li><a href='{PREFIX}/review/{i}'>{t('review_number', number=i)}</a></li>"
            for i in state["given_ids"]) + "</ul>")
    parts.append(f"<p><a id='received' href='{PREFIX}/{name}/received'>{t('see_received')}</a>"
                 "</p>")
    return page(language, say("peer.overview_title", language, title=state["title"]),
                "\n".join(parts))


def review_page(form_state: dict, xsrf: str, language: str, error: str = "") -> str:
    def t(key: str, **params) -> str:
        return escape(say(f"peer.{key}", language, **params))

    review = form_state["id"]
    parts = [f"<h1>{t('review_title', title=form_state['title'])}</h1>",
             f"<p class='note'>{t('anonymous')}</p>"]
    if not form_state["counted"]:
        parts.append(f"<p class='note'>{t('extra')}</p>")
    if form_state.get("rooms"):  # a room of its own runs the copy: never the reviewer's server
        parts.append(f"<form method='post' action='{PREFIX}/review/{review}/room' "
                     f"target='_blank' id='open-copy'><input type='hidden' name='_xsrf' "
                     f"value='{escape(xsrf)}'><button type='submit'>{t('open_copy')}</button> "
                     f"<span class='note'>{t('open_copy_help')}</span></form>")
    else:
        parts.append(f"<p class='note' id='outputs-note'>{t('outputs_note')}</p>")
    if error:
        parts.append(f"<p class='error' id='error'>{escape(error)}</p>")
    tests = form_state["autograder"]
    if tests:
        rows = "".join(
            f"<tr class='{'ok' if test['passed'] else 'ko'}'><td>{escape(test['test'])}</td>"
            f"<td>{t('passed') if test['passed'] else t('failed')}</td>"
            f"<td><pre>{escape(test['message'])}</pre></td></tr>" for test in tests)
        parts.append(f"<h2>{t('autograder')}</h2><table>{rows}</table>")
    done = form_state["done"]
    given = form_state["points"] or []
    rubric = []
    for index, criterion in enumerate(form_state["rubric"]):
        choices = "".join(
            f"<label><input type='radio' name='criterion-{index}' value='{level.points}'"
            f"{' checked' if index < len(given) and given[index] == level.points else ''}"
            f"{' disabled' if done else ''} required> {level.points} — "
            f"{escape(level.label)}</label><br>" for level in criterion.levels)
        rubric.append(f"<fieldset><legend>{escape(criterion.name)}</legend>"
                      f"<p>{escape(criterion.description)}</p>{choices}</fieldset>")
    cells = []
    comments = form_state["cell_comments"]
    outputs = form_state.get("outputs") or [""] * len(form_state["cells"])
    for index, cell in enumerate(form_state["cells"]):
        shown = markdown_html(cell.source) if cell.cell_type == "markdown" else \
            f"<pre>{escape(cell.source)}</pre>"
        if outputs[index]:
            shown += f"<div class='outputs'><p class='note'>{t('sandbox_outputs')}</p>" \
                     f"{outputs[index]}</div>"
        box = (f"<div class='note'>{escape(comments[str(index)])}</div>"
               if done and str(index) in comments else "" if done else
               f"<textarea name='cell-{index}' aria-label='{t('cell_comment', number=index + 1)}'"
               f" placeholder='{t('cell_comment', number=index + 1)}'></textarea>")
        cells.append(f"<div class='cell'>{shown}{box}</div>")
    overall = (f"<h2>{t('comment')}</h2><div>{markdown_html(form_state['comment'] or '')}</div>"
               if done else
               f"<h2><label for='comment'>{t('comment')}</label></h2>"
               f"<p class='note' id='comment-help'>{t('comment_help', most=form_state['min_comment'])}</p>"  # noqa: E501
               f"<textarea id='comment' name='comment' aria-describedby='comment-help' "
               f"minlength='{form_state['min_comment']}' required></textarea>")
    inner = "".join(rubric) + f"<h2>{t('cells')}</h2>" + "".join(cells) + overall
    if done:  # what next: another copy, or back to the exercise's page
        name = form_state["assignment"]
        parts.append(f"<p id='done' class='confirm'>{t('done')}</p>"
                     + f"<div id='next'>{form(f'{PREFIX}/{name}/ask', xsrf, '', say('peer.next_copy', language))}"  # noqa: E501
                     f"<p><a href='{PREFIX}/{name}'>{t('back_to_overview')}</a></p></div>"
                     + inner)
    else:
        parts.append(form(f"{PREFIX}/review/{review}", xsrf, inner, say("peer.send", language)))
    return page(language, say("peer.review_title", language, title=form_state["title"]),
                "\n".join(parts))


def received_page(state: dict, rubric, xsrf: str, language: str,
                  rated: int | None = None) -> str:
    """The reviews of the learner's work; ``rated``: the review they just rated (said so)."""
    def t(key: str, **params) -> str:
        return escape(say(f"peer.{key}", language, **params))

    parts = [f"<h1>{t('received_title', title=state['title'])}</h1>"]
    calibration = state.get("calibration")
    if calibration is not None and calibration.agreement is not None:
        parts.append(f"<p id='agreement'>{t('agreement', percent=round(100 * calibration.agreement), n=calibration.judgments)}</p>")  # noqa: E501
    if not state["submitted"]:
        parts.append(f"<p>{t('not_submitted')}</p>")
    elif state["owed"]:
        parts.append(f"<p id='owed'>{t('owed', n=state['owed'])}</p>")
    else:
        grade = state["grade"]
        if grade and grade["points"] is not None:
            parts.append(f"<p class='score' id='peer-grade'>{t('grade', points=grade['points'], most=grade['max_points'])}</p>")  # noqa: E501
        else:
            parts.append(f"<p id='peer-grade'>{t('no_grade_yet')}</p>")
        if grade and not grade.get("final", True):
            parts.append(f"<p id='provisional'>{t('provisional', n=grade['counted'], needed=grade['needed'], closes=when(grade['closes'], language))}</p>")  # noqa: E501
        if state.get("week_grade") is not None:
            parts.append(f"<p id='week-grade'>{t('week_grade', grade=state['week_grade'])}</p>")
        for number, review in enumerate(state["reviews"], start=1):
            parts.append(review_block(number, review, rubric, xsrf, language,
                                      just_rated=review["id"] == rated))
        if not state["reviews"]:
            parts.append(f"<p>{t('no_review_yet')}</p>")
    return page(language, say("peer.received_title", language, title=state["title"]),
                "\n".join(parts))


def review_block(number: int, review: dict, rubric, xsrf: str, language: str,
                 just_rated: bool = False) -> str:
    def t(key: str, **params) -> str:
        return escape(say(f"peer.{key}", language, **params))

    kind = t("staff_review") if review["staff"] else \
        (t("counted_review") if review["counted"] else t("extra_review"))
    points = "".join(
        f"<li>{escape(criterion.name)} : {review['points'][index]} / "
        f"{max(level.points for level in criterion.levels)}</li>"
        for index, criterion in enumerate(rubric))
    cells = "".join(f"<li>{t('on_cell', number=int(index) + 1)} "
                    f"{markdown_html(text)}</li>"
                    for index, text in sorted(review["cell_comments"].items(),
                                              key=lambda item: int(item[0])))
    rating = review.get("rating") or {}
    rate = form(f"{PREFIX}/review/{review['id']}/rate", xsrf, (
        f"<label><input type='radio' name='helpful' value='yes'"
        f"{' checked' if rating.get('helpful') is True else ''}> {t('helpful')}</label> "
        f"<label><input type='radio' name='helpful' value='no'"
        f"{' checked' if rating.get('helpful') is False else ''}> {t('not_helpful')}</label><br>"
        f"<label><input type='checkbox' name='flag' value='yes'"
        f"{' checked' if rating.get('flagged') else ''}> {t('flag')}</label> "
        f"<input type='text' name='reason' maxlength='1000' aria-label='{t('flag_reason')}' "
        f"placeholder='{t('flag_reason')}' value='{escape(rating.get('flag_reason') or '')}'>"),
        say("peer.rate", language))
    if rating.get("flagged") and rating.get("flag_reason"):
        rate = (f"<p class='flag' id='flagged-{number}'>"
                f"{t('flagged_because', reason=rating['flag_reason'])}</p>" + rate)
    if just_rated:
        rate = f"<p class='confirm' id='rated' role='status'>{t('rated')}</p>" + rate
    return (f"<section class='review' id='review-{number}'><h2>{t('review_heading', number=number)}"
            f" <small>({kind})</small></h2><ul>{points}</ul>"
            f"<div class='comment'>{markdown_html(review['comment'] or '')}</div>"
            f"{'<ul>' + cells + '</ul>' if cells else ''}{rate}</section>")
