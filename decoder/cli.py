"""`decoder`: the operators' command (up, down, status, settings, logs, build, grade,
grade-all)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

from . import hubprocess, images
from .coursestate import CourseServiceClient
from .engine import engine_answers, ensure_engine
from .messages import render
from .settings import PlatformSettings

PASSWORD_IN_URL = re.compile(r"(://[^/:@]*:)[^@/]*@")  # postgresql://user:secret@host


def say(message: str) -> None:
    print(message, flush=True)


def cmd_build(settings: PlatformSettings, args) -> int:
    ensure_engine(settings.path("logs", "dockerd.log"), log=say)
    images.build_all(log=say)
    return 0


def cmd_up(settings: PlatformSettings, args) -> int:
    settings.path("logs").mkdir(parents=True, exist_ok=True)
    ensure_engine(settings.path("logs", "dockerd.log"), log=say)
    if not args.no_build:
        images.build_all(log=say)
    accounts = hubprocess.prepare(settings)
    say("Starting the hub…")
    pid = hubprocess.start_hub(settings)
    say("")
    say(f"Décoder le code is up (hub pid {pid}): open {settings.public_url}")
    say("Demo accounts (kept in " + str(settings.path("secrets", "demo-accounts.json")) + "):")
    for name, account in accounts.items():
        say(f"  {account['role']:<10} {name:<12} {account['password']}")
    say("Stop with: make down   Logs: decoder logs")
    return 0


def cmd_down(settings: PlatformSettings, args) -> int:
    stopped = hubprocess.stop_hub(settings)
    say("Hub stopped." if stopped else "The hub was not running.")
    if engine_answers():
        count = hubprocess.stop_learners(settings)
        say(f"Stopped {count} learner server(s); their home volumes are kept.")
    return 0


def cmd_status(settings: PlatformSettings, args) -> int:
    pid = hubprocess.hub_pid(settings)
    healthy = hubprocess.hub_healthy(settings)
    say(f"hub:     {'running, pid ' + str(pid) if pid else 'stopped'}"
        f"{' (answering at ' + settings.public_url + ')' if healthy else ''}")
    if not engine_answers():
        say("engine:  not answering")
        return 1 if pid else 3
    say("engine:  answering")
    for container in hubprocess.learner_containers(settings):
        say(f"  {container.name:<40} {container.status}")
    return 0 if healthy else 3


def cmd_settings(settings: PlatformSettings, args) -> int:
    """Every setting as this command resolved it, and where each value comes from."""
    where = settings.config_file or "(no DECODER_CONFIG file)"
    say(f"settings file: {where}")
    for name in sorted(settings.traits(config=True)):
        shown = PASSWORD_IN_URL.sub(r"\1***@", repr(getattr(settings, name)))
        say(f"  {name:<22} {settings.source(name):<12} {shown}")
    return 0


def cmd_logs(settings: PlatformSettings, args) -> int:
    log_file = settings.path("logs", "jupyterhub.log")
    if not log_file.exists():
        say(f"No log yet at {log_file}")
        return 1
    command = ["tail", "-n", str(args.lines)] + (["-f"] if args.follow else []) + [str(log_file)]
    return subprocess.call(command)


def cmd_grade(settings: PlatformSettings, args) -> int:
    from graders.runner import grade

    master = settings.masters_dir / args.assignment
    if not (master / f"{args.assignment}.ipynb").exists():
        say(f"Unknown assignment {args.assignment!r}: no {master}/")
        return 2
    ensure_engine(settings.path("logs", "dockerd.log"), log=say)
    # the same image, time limits and language as the service's workers: graded as a
    # submission would be
    result = grade(Path(args.notebook), master, settings.course_config,
                   cache=settings.path("grading-cache"), image=settings.grader_image,
                   cell_timeout=settings.cell_timeout, job_timeout=settings.job_timeout,
                   language=settings.ui_language)
    if args.json:
        print(result.to_json())
        return 0
    language = settings.ui_language
    say(f"{args.assignment}: {result.score:g} / {result.max_score:g}"
        f" ({result.hidden_tests} hidden test(s))")
    for test in result.tests:
        mark = "ok " if test.message is None else "NON"
        where = " [hidden part]" if test.secret else ""
        say(f"  {mark} {test.grade_id:<24} {test.points:g}/{test.max_points:g}{where}")
        for line in render(test.message, language).splitlines():
            say(f"      {line}")
    if result.interrupted_cells:
        say(f"  stopped at the {result.cell_timeout} s cell limit: "
            + ", ".join(result.interrupted_cells))
    if result.error:
        say(f"  {render(result.error, language)}")
    return 0


def cmd_grade_all(settings: PlatformSettings, args) -> int:
    """Regrade the newest submission of every learner, by the service's workers, in parallel."""
    course = CourseServiceClient(settings)
    started = course.post("regrade", assignment=args.assignment)
    batch, total = started["batch"], started["jobs"]
    say(f"{args.assignment}: regrading {total} submission(s) with the service's workers")
    states: dict[str, int] = {}
    while total:
        states = course.get("batch", batch=batch)["states"]
        finished = states.get("done", 0) + states.get("failed", 0)
        progress_bar(finished, total, states.get("failed", 0))
        if finished >= total:
            break
        time.sleep(0.5)
    print(flush=True)
    for row in course.get("all_submissions", assignment=args.assignment):
        score = "—" if row["score"] is None else f"{row['score']:g}/{row['max_score']:g}"
        say(f"  {row['username']:<24} {score:>8}  {row['state']}")
    return 1 if states.get("failed") else 0


def progress_bar(done: int, total: int, failed: int, width: int = 30) -> None:
    filled = int(width * done / total) if total else width
    line = f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total} graded" + (
        f", {failed} failed" if failed else "")
    end = "\r" if sys.stdout.isatty() else "\n"
    print(line, end=end, flush=True)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="decoder", description=__doc__)
    sub = main.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="build what is missing and start the platform")
    up.add_argument("--no-build", action="store_true", help="do not (re)build the images")
    sub.add_parser("down", help="stop the hub and learner servers; all data is kept")
    sub.add_parser("status", help="is the hub up, which learner servers run")
    sub.add_parser("settings", help="every setting's value and where it comes from (the "
                   "DECODER_CONFIG file, the environment or the default)")
    logs = sub.add_parser("logs", help="the hub's log")
    logs.add_argument("-f", "--follow", action="store_true")
    logs.add_argument("-n", "--lines", type=int, default=100)
    sub.add_parser("build", help="build the images (cached)")
    grade = sub.add_parser("grade", help="grade one notebook in the sandbox, as a submission")
    grade.add_argument("notebook")
    grade.add_argument("--assignment", required=True, help="e.g. s1-bonjour")
    grade.add_argument("--json", action="store_true", help="print the full report as JSON")
    grade_all = sub.add_parser("grade-all", help="regrade every learner's newest submission of "
                               "an assignment, in parallel (the hub must be up)")
    grade_all.add_argument("assignment", help="e.g. s1-bonjour")
    return main


COMMANDS = {"up": cmd_up, "down": cmd_down, "status": cmd_status, "settings": cmd_settings,
            "logs": cmd_logs, "build": cmd_build, "grade": cmd_grade, "grade-all": cmd_grade_all}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = PlatformSettings.load()
        return COMMANDS[args.command](settings, args)
    except (RuntimeError, PermissionError, ValueError) as error:
        print(f"decoder {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
