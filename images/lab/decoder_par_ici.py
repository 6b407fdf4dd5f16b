"""« Par ici » (« Start here »): the page a learner's JupyterLab opens at each start
(``~/cours/par-ici.md``, shown as a rendered page): this week's lessons in order, the open
exercises with their due dates and the learner's newest result on each, and where to ask for
help. Written by images/lab/start-lab before the server starts, from the lessons copied into
the home and the course service (the server's own token; two seconds at most: without an
answer the page says where to find the exercises instead, and the lab starts all the same).

    python3 -m decoder_par_ici [home]
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

from decoder_atomic import replaced

from decoder import messages, protocol

PAGE = "par-ici.md"
TIMEOUT = 2.0


def lesson_title(path: Path) -> str:
    """A lesson's first heading, without its « Semaine N — » (its file name if it has none)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return path.stem
    for cell in cells:
        source = "".join(cell.get("source", [])) if isinstance(cell.get("source"), list) \
            else str(cell.get("source", ""))
        for line in source.splitlines():
            if line.startswith("# "):
                return line[2:].split(" — ", 1)[-1].strip()
    return path.stem


def lessons_of(home: Path, weeks: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(week folder, [(notebook path under the home, title)]) for each open week, in order."""
    found = []
    for week in weeks:
        folder = home / "cours" / week
        notebooks = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
        found.append((week, [(str(p.relative_to(home)), lesson_title(p)) for p in notebooks]))
    return found


def page(lessons: list[tuple[str, list[tuple[str, str]]]], assignments: list[dict] | None,
         submissions: list[dict] | None, help_text: str, language: str) -> str:
    """The page's Markdown (pure). ``assignments`` and ``submissions`` are the course
    service's answers, None when it did not answer."""
    def say(key: str, **params) -> str:
        return messages.say(f"par_ici.{key}", language, **params)

    def listed(notebooks: list[tuple[str, str]]) -> list[str]:
        return [f"{n}. [{title}]({path.removeprefix('cours/')})"
                for n, (path, title) in enumerate(notebooks, start=1)] + [""]

    lines = [f"# {say('title')}", "", say("intro"), ""]
    weeks = [(week, notebooks) for week, notebooks in lessons if notebooks]
    if weeks:  # the newest open week first; the weeks before, for whoever joined late
        week, notebooks = weeks[-1]
        lines += [f"## {say('lessons', week=week.rsplit('-', 1)[-1])}", ""] + listed(notebooks)
    if len(weeks) > 1:
        lines += [f"## {say('earlier')}", ""]
        for week, notebooks in weeks[:-1]:
            lines += [f"### {say('week', week=week.rsplit('-', 1)[-1])}", ""] + \
                listed(notebooks)
    lines += [f"## {say('exercises')}", ""]
    if assignments is None:
        lines += [say("no_answer"), ""]
    elif not assignments:
        lines += [say("none_open"), ""]
    else:
        newest = {}
        for item in submissions or []:  # oldest first: the newest wins
            newest[item.get("assignment_id")] = item
        lines += [f"| {say('exercise')} | {say('due')} | {say('done')} |", "| --- | --- | --- |"]
        for item in assignments:
            title = str(item["title"]).replace("|", "\\|")  # a cell of the table
            lines.append(f"| {title} ({say('minutes', n=item['minutes'])}) | "
                         f"{item['due_text']} | {done(newest.get(item['assignment_id']), say)} |")
        lines += ["", say("how_to_fetch"), ""]
    lines += [f"## {say('help_title')}", "", help_text or say("help_default"), "",
              say("glossary"), ""]
    return "\n".join(lines)


def done(submission: dict | None, say) -> str:
    if submission is None:
        return say("not_yet")
    if submission.get("score") is None:
        return say("grading") if submission.get("state") in ("queued", "running") \
            else say("handed_in")
    return say("scored", score=f"{submission['score']:g}",
               most=f"{submission.get('max_score') or 0:g}")


def ask(route: str) -> list[dict] | None:
    """The course service's answer to a GET of ``route``, or None (no service, no answer)."""
    base = os.environ.get(protocol.COURSE_URL_ENV)
    if not base:
        return None
    request = urllib.request.Request(
        base.rstrip("/") + "/" + protocol.route(route),
        headers={"Authorization": f"token {os.environ.get('JUPYTERHUB_API_TOKEN', '')}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body = json.loads(response.read())
    except (OSError, ValueError):
        return None
    return body if isinstance(body, list) else None


def write(home: Path, text: str) -> Path:
    """Whole or not at all: a temporary file beside the page, renamed over it."""
    folder = home / "cours"
    folder.mkdir(parents=True, exist_ok=True)
    with replaced(folder / PAGE, mode=0o644) as file:
        file.write(text)
    return folder / PAGE


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    home = Path(argv[0] if argv else os.path.expanduser("~"))
    weeks = os.environ.get("DECODER_LESSONS", "").split() or sorted(
        p.name for p in (home / "cours").glob("semaine-*") if p.is_dir())
    assignments = ask("assignments")
    submissions = ask("my_submissions") if assignments else None
    write(home, page(lessons_of(home, weeks), assignments, submissions,
                     os.environ.get(protocol.HELP_ENV, ""), messages.language_of_environment()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
