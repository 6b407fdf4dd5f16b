"""The instructors' peer-review page (pure): who waits for reviews and for how long, flagged
reviews, each reviewer's agreement with the autograder, the journal of staff actions, and the
forms to withdraw a submission, hide a review or give a staff review. Learners' texts are
escaped or sanitised as on the learners' pages."""

from __future__ import annotations

from html import escape

from ..dates import when
from ..messages import say
from .pages import form, page
from .sanitize import markdown_html

STAFF_PREFIX = "/services/course/staff/peer"


def waited(since, now) -> str:
    hours = max(0, int((now - since).total_seconds() // 3600))
    return f"{hours // 24} j {hours % 24} h" if hours >= 24 else f"{hours} h"


def staff_page(state: dict, xsrf: str, language: str) -> str:
    def t(key: str, **params) -> str:
        return escape(say(f"peer.{key}", language, **params))

    rubric = state["rubric"]
    rows = []
    for item in state["submissions"]:
        grade = item["grade"]["points"]
        levels = "".join(
            f"<label>{escape(criterion.name)} <select name='criterion-{index}' required>"
            + "".join(f"<option value='{level.points}'>{level.points}</option>"
                      for level in criterion.levels) + "</select></label><br>"
            for index, criterion in enumerate(rubric))
        actions = "" if item["withdrawn"] else form(
            f"{STAFF_PREFIX}/submission/{item['submission']}/withdraw", xsrf,
            f"<input name='reason' required aria-label='{t('reason')}' "
            f"placeholder='{t('reason')}'>", say("peer.withdraw", language))
        actions += "<details><summary>" + t("staff_review_give") + "</summary>" + form(
            f"{STAFF_PREFIX}/submission/{item['submission']}/review", xsrf,
            levels + f"<textarea name='comment' aria-label='{t('comment')}'></textarea>",
            say("peer.send", language)) + "</details>"
        rows.append(
            f"<tr id='submission-{item['submission']}'><td>{escape(item['author'])}</td>"
            f"<td>{when(item['submitted_at'], language, state['zone'])}"
            f"{' ' + t('late') if item['late'] else ''}</td>"
            f"<td>{item['done']} / {item['needed']}</td>"
            f"<td>{waited(item['waiting_since'], state['now'])}</td>"
            f"<td>{'—' if grade is None else grade}"
            f"{' ' + t('by_staff') if item['grade']['by_staff'] else ''}</td>"
            f"<td>{t('withdrawn') if item['withdrawn'] else ''}</td><td>{actions}</td></tr>")
    parts = [f"<h1>{t('staff_title', title=state['title'])}</h1>",
             f"<h2>{t('submissions')}</h2><table><thead><tr><th>{t('author')}</th>"
             f"<th>{t('submitted_at')}</th><th>{t('reviews_done')}</th><th>{t('waiting')}</th>"
             f"<th>{t('peer_grade')}</th><th></th><th></th></tr></thead>"
             f"<tbody>{''.join(rows)}</tbody></table>"]
    flagged = []
    for review in state["flagged"]:
        hide = "" if review["hidden"] else form(
            f"{STAFF_PREFIX}/review/{review['id']}/hide", xsrf,
            f"<input name='reason' required aria-label='{t('reason')}' "
            f"placeholder='{t('reason')}'>", say("peer.hide", language))
        flagged.append(
            f"<tr id='flagged-{review['id']}'><td>{review['id']}</td>"
            f"<td>{escape(review['reviewer'])}</td><td>{escape(review['author'])}</td>"
            f"<td class='flag'>{escape(review['rating']['flag_reason'] or '')}</td>"
            f"<td>{markdown_html(review['comment'] or '')}</td>"
            f"<td>{t('hidden') if review['hidden'] else hide}</td></tr>")
    parts.append(f"<h2>{t('flagged')}</h2>" + (
        f"<table><thead><tr><th>#</th><th>{t('reviewer')}</th><th>{t('author')}</th>"
        f"<th>{t('flag_reason')}</th><th>{t('comment')}</th><th></th></tr></thead>"
        f"<tbody>{''.join(flagged)}</tbody></table>" if flagged else f"<p>{t('none')}</p>"))
    calibrated = [
        f"<tr class='{'ko' if c.far else 'ok'}'><td>{escape(reviewer)}</td><td>{c.judgments}</td>"
        f"<td>{round(100 * c.agreement)} %</td><td>{t('far') if c.far else ''}</td></tr>"
        for reviewer, c in sorted(state["calibrations"].items()) if c.agreement is not None]
    parts.append(f"<h2>{t('calibration')}</h2><p class='note'>{t('calibration_rule')}</p>" + (
        f"<table id='calibration'><thead><tr><th>{t('reviewer')}</th><th>{t('judgments')}</th>"
        f"<th>{t('agreement_column')}</th><th></th></tr></thead>"
        f"<tbody>{''.join(calibrated)}</tbody></table>" if calibrated else f"<p>{t('none')}</p>"))
    journal = "".join(
        f"<tr><td>{when(action['at'], language, state['zone'])}</td>"
        f"<td>{escape(action['actor'])}</td>"
        f"<td>{escape(action['action'])}</td><td>{action['target']}</td>"
        f"<td>{escape(action['detail'])}</td></tr>" for action in state["actions"])
    parts.append(f"<h2>{t('journal')}</h2>" + (
        f"<table id='journal'><tbody>{journal}</tbody></table>" if journal
        else f"<p>{t('none')}</p>"))
    return page(language, say("peer.staff_title", language, title=state["title"]),
                "\n".join(parts))
