"""The learner's course page and the instructors' dashboard, as HTML (pure). Names of people
appear only on the instructors' pages; plots are inline SVG drawn by plots.py."""

from __future__ import annotations

import datetime as dt
from html import escape

from ..dates import day, when
from ..messages import render, say
from ..peer.pages import form, page
from .plots import histogram

SERVICE = "/services/course"


def course_page(state: dict, badges: list[dict], language: str) -> str:
    def t(key: str, **params) -> str:
        return escape(say(f"dashboard.{key}", language, **params))

    parts = [f"<h1>{t('course_title')}</h1>"]
    for block in state["weeks"]:
        week = block["week"]
        rows = []
        for item in block["items"]:
            assignment, progress = item["assignment"], item["state"]
            if assignment.peer_reviewed:
                peer = item["peer"]
                status = t("peer_status", given=peer["given"], required=peer["required"])
                link = f"<a href='{SERVICE}/peer/{assignment.name}'>{t('peer_link')}</a>"
            elif progress.score is not None:
                status = t("scored", score=f"{progress.score:g}",
                           most=f"{progress.max_score:g}")
                link = (f"<a href='{SERVICE}/feedback/{progress.submission}'>"
                        f"{t('feedback_link')}</a>")
            elif progress.grading:
                status, link = t("grading"), ""
            elif progress.submissions:
                status, link = t("submitted_late" if progress.late else "submitted"), ""
            elif progress.started:
                status, link = t("started"), ""
            else:
                status, link = t("not_started"), ""
            if progress.late and progress.score is not None:
                status += " " + t("late_note")
            css = "ok" if progress.passed else ""
            rows.append(f"<tr class='{css}' id='exercise-{assignment.name}'>"
                        f"<td>{escape(assignment.title)}<br><small>{escape(assignment.name)}"
                        f"</small></td><td>{status}</td><td>{link}</td></tr>")
        parts.append(f"<h2>{t('week', number=week.number, title=week.title)}</h2>"
                     f"<p class='note'>{t('due', due=when(week.due, language))}</p>"
                     f"<table><tbody>{''.join(rows)}</tbody></table>")
    upcoming = state.get("next")
    if upcoming is not None:
        parts.append(f"<p id='next'>{t('next', number=upcoming.number, title=upcoming.title, opens=when(upcoming.opens, language))}</p>")  # noqa: E501
    if badges:
        links = "".join(f"<li><a href='{SERVICE}/badges/{escape(b['id'])}'>{escape(b['name'])}"
                        f"</a></li>" for b in badges)
        parts.append(f"<h2>{t('badges')}</h2><ul id='badges'>{links}</ul>")
    return page(language, say("dashboard.course_title", language), "\n".join(parts))


def dashboard_page(state: dict, xsrf: str, language: str) -> str:
    def t(key: str, **params) -> str:
        return escape(say(f"dashboard.{key}", language, **params))

    run = state["run"]
    shown_run = "" if state["current"] and run.name == state["current"].name \
        else f"run={escape(run.name)}"

    def query(*pairs: str) -> str:
        kept = [pair for pair in (shown_run, *pairs) if pair]
        return "?" + "&amp;".join(kept) if kept else ""

    weeks = " · ".join(
        [f"<a href='{SERVICE}/staff/{query()}'>{t('all_weeks')}</a>"] +
        [f"<a href='{SERVICE}/staff/{query(f'week={w.number}')}'>"
         f"{t('week_short', number=w.number)}</a>" for w in state["weeks"]])
    week_query = f"week={state['week']}" if state["week"] else ""
    export = f"{SERVICE}/staff/export.csv" + query(week_query)
    spreadsheet = f"{SERVICE}/staff/export.csv" + query(week_query, "format=tableur")
    others = [other for other in state["runs"] if other.name != run.name]
    current = state["current"]
    runs = f"<p id='run'>{t('run', run=run.name, start=day(run.starts_on, language), zone=run.time_zone)}" + (  # noqa: E501
        f" · {t('run_current')}" if current and current.name == run.name else "") + "</p>"
    if others:
        runs += f"<p id='other-runs'>{t('other_runs')} " + " · ".join(
            f"<a href='{SERVICE}/staff/" + ("" if current and other.name == current.name
                                            else f"?run={escape(other.name)}")
            + f"'>{escape(other.name)}</a>" for other in others) + "</p>"
    parts = [f"<h1>{t('dashboard_title')}</h1>", runs, f"<p id='weeks'>{weeks}</p>",
             f"<p>{t('learners', n=state['learners'])} · "
             f"<a id='export-spreadsheet' href='{spreadsheet}'>{t('export_spreadsheet')}</a> · "
             f"<a id='export' href='{export}'>{t('export')}</a> · "
             f"<a id='self-checks-link' href='{SERVICE}/staff/self-checks{query()}'>"
             f"{t('sc_link')}</a></p>"]
    cards = []
    for item in state["exercises"]:
        assignment = item.assignment
        plot = histogram(item.scores, assignment.points, title=assignment.title,
                         xlabel=say("dashboard.plot_x", language),
                         ylabel=say("dashboard.plot_y", language)) \
            if not assignment.peer_reviewed and item.scores else ""
        extra = ""
        if assignment.peer_reviewed:
            peer = state["peer"].get(assignment.name, {})
            extra = (f"<p>{t('peer_state', waiting=peer.get('waiting', 0), flagged=peer.get('flagged', 0), far=peer.get('far', 0))}"  # noqa: E501
                     f" · <a href='{SERVICE}/staff/peer/{assignment.name}'>{t('peer_page')}</a>"
                     "</p>")
        elif assignment.name in state["released"]:
            extra = f"<p class='note'>{t('hidden_released')}</p>"
        else:
            extra = form(f"{SERVICE}/staff/hidden/{assignment.name}", xsrf,
                         kept_filters(state), say("dashboard.release_hidden", language))
        cards.append(
            f"<section class='exercise' id='exercise-{assignment.name}'>"
            f"<h3>{escape(assignment.title)} <small>({escape(assignment.name)}, "
            f"{t('week_short', number=assignment.week)})</small></h3>"
            f"<p class='counts'>{counts(item, t)}</p>"
            f"<div class='plot'>{plot}</div>{extra}</section>")
    parts.append("".join(cards))
    def said(params: dict) -> dict:
        return {key: day(value, language, run.zone) if isinstance(value, dt.datetime)
                else "—" if value is None else value for key, value in params.items()}

    risky = "".join(f"<tr><td>{escape(name)}</td>"
                    f"<td>{t('risk_' + reason, **said(params))}</td></tr>"
                    for name, reason, params in state["at_risk"])
    parts.append(f"<h2>{t('at_risk')}</h2>" + (
        f"<table id='at-risk'><tbody>{risky}</tbody></table>" if risky
        else f"<p>{t('nobody_at_risk')}</p>"))
    return page(language, say("dashboard.dashboard_title", language), "\n".join(parts))


def self_checks_page(state: dict, language: str) -> str:
    """The lessons' self-check questions as the class answered them, the most missed first:
    counts only (learners shared them by consent; no name is kept in this view)."""
    def t(key: str, **params) -> str:
        return escape(say(f"dashboard.{key}", language, **params))

    rows = "".join(
        f"<tr><td><code>{escape(q.question)}</code></td><td>{q.learners}</td>"
        f"<td>{q.first_try}</td><td>{q.second_try}</td><td>{q.missed}</td>"
        f"<td>{q.trying}</td></tr>" for q in state["questions"])
    table = (f"<table id='self-checks'><thead><tr><th scope='col'>{t('sc_question')}</th>"
             f"<th scope='col'>{t('sc_learners')}</th><th scope='col'>{t('sc_first')}</th>"
             f"<th scope='col'>{t('sc_second')}</th><th scope='col'>{t('sc_missed')}</th>"
             f"<th scope='col'>{t('sc_trying')}</th></tr></thead><tbody>{rows}</tbody></table>"
             if rows else f"<p>{t('sc_none')}</p>")
    body = (f"<h1>{t('sc_title')}</h1><p>{t('sc_intro', run=state['run'].name)}</p>{table}"
            f"<p><a href='{SERVICE}/staff/'>{t('sc_back')}</a></p>")
    return page(language, say("dashboard.sc_title", language), body)


def badge_page(badge: dict, language: str) -> str:
    """A learner's badge: its image, what it says, the files to download, the public check."""
    def t(key: str, **params) -> str:
        return escape(say(f"dashboard.{key}", language, **params))

    base = f"{SERVICE}/badges/{escape(badge['id'])}"
    return page(language, badge["name"], f"""
<h1>{escape(badge['name'])}</h1>
<p><img id='badge-image' src='{base}.png' alt='{t('badge_alt', name=badge['name'])}' width='240'
height='240'></p>
<p>{t('badge_issued', date=when(badge['issued'], language))}</p>
<ul>
<li><a id='download-png' href='{base}.png' download>{t('download_png')}</a></li>
<li><a id='download-jwt' href='{base}.jwt' download>{t('download_jwt')}</a></li>
<li><a id='verify-link' href='{base}/verify'>{t('public_check')}</a></li>
</ul>
<p class='note'>{t('badge_help')}</p>""")


def verification_page(result: dict | None, language: str) -> str:
    """The public check of a badge: the result, and a form to check any credential."""
    def t(key: str, **params) -> str:
        return escape(say(f"dashboard.{key}", language, **params))

    shown = ""
    if result is not None:
        issued = result.get("issued")
        issued = when(issued, language) if isinstance(issued, dt.datetime) else issued
        shown = (f"<p id='verdict' class='ok'>{t('valid', name=result['name'], issuer=result['issuer'], date=issued)}</p>"  # noqa: E501
                 if result["valid"] else
                 f"<p id='verdict' class='error'>{t('invalid', reason=render(result['reason'], language))}</p>")  # noqa: E501
    return page(language, say("dashboard.verify_title", language), f"""
<h1>{t('verify_title')}</h1>
{shown}
<form method='post' action='{SERVICE}/badges/verify'>
<label>{t('paste_token')}<br><textarea name='token' required></textarea></label><br>
<button type='submit'>{t('check')}</button></form>""")


def counts(item, t) -> str:
    """« 3 ont commencé, 2 ont rendu (dont 1 en retard ; 1 sans note pour l'instant), 1 a tout
    réussi (sur 6) »: those who handed in but have no score yet are said, not hidden (the
    histogram shows scores only)."""
    handed = [t("counts_late", n=item.late)] if item.late else []
    if item.unscored:
        handed.append(t("counts_unscored", n=item.unscored))
    submitted = t("counts_submitted", n=item.submitted) + (
        f" ({' ; '.join(handed)})" if handed else "")
    return (f"{t('counts_started', n=item.started)}, {submitted}, "
            f"{t('counts_passed', n=item.passed)} ({t('counts_of', n=item.learners)})")


def hidden_fields(fields: dict) -> str:
    """A form's hidden inputs, for the fields that have a value."""
    return "".join(f"<input type='hidden' name='{escape(name)}' value='{escape(str(value))}'>"
                   for name, value in fields.items() if value)


def kept_filters(state: dict) -> str:
    """The dashboard's week and run, carried through a form so that its answer comes back to
    the same view."""
    return hidden_fields({"week": state["week"] or "", "run": state["run"].name
                          if state["current"] and state["run"].name != state["current"].name
                          else ""})


def confirm_release_page(title: str, name: str, xsrf: str, back: str, filters: dict,
                         language: str) -> str:
    """Publishing hidden tests cannot be undone: say what it does, and ask once more."""
    def t(key: str, **params) -> str:
        return escape(say(f"dashboard.{key}", language, **params))

    inner = hidden_fields({"confirm": "yes", **filters})
    return page(language, say("dashboard.confirm_release_title", language, title=title),
                f"<h1>{t('confirm_release_title', title=title)}</h1>"
                f"<p id='confirm-release'>{t('confirm_release')}</p>"
                + form(f"{SERVICE}/staff/hidden/{name}", xsrf, inner,
                       say("dashboard.confirm_release_button", language))
                + f"<p><a id='cancel' href='{escape(back)}'>{t('cancel')}</a></p>")


def no_feedback_page(language: str) -> str:
    """« Mon dernier retour » before any work was graded: what to do to get one."""
    def t(key: str) -> str:
        return escape(say(f"dashboard.{key}", language))

    return page(language, say("dashboard.no_feedback_title", language),
                f"<h1>{t('no_feedback_title')}</h1><p id='no-feedback'>{t('no_feedback')}</p>"
                f"<p><a href='{SERVICE}/course'>{t('course_title')}</a></p>")
