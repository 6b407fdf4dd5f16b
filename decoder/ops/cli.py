"""`decoder`: the operators' command (up, down, status, settings, logs, build, run, grade,
grade-all, export, verify-badge, instructor; worker, on a grading host of its own; course-service,
the course service apart from the hub)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

from ..engine import LIVE_RESTORE_ADVICE, engine_answers, ensure_engine, live_restore_enabled
from ..hub import homes
from ..messages import render
from ..service.worker_cli import add_worker_arguments
from ..settings import PlatformSettings
from . import classcommand, hubprocess, images, kubecommand, runcommand, servicecommand
from .coursestate import CourseServiceClient

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
    say("Course " + run_line(settings))
    say("Starting the hub…")
    pid = hubprocess.start_hub(settings)
    say("")
    say(f"Décoder le code is up (hub pid {pid}): open {settings.public_url}")
    say("Demo accounts (kept in " + str(settings.path("secrets", "demo-accounts.json")) + "):")
    for name, account in accounts.items():
        say(f"  {account['role']:<10} {name:<12} {account['password']}")
    say("Stop with: make down   Logs: decoder logs")
    return 0


def run_line(settings: PlatformSettings) -> str:
    """Which run the platform teaches (decoder up, decoder status)."""
    run = hubprocess.course_runs(settings).current()
    if run is None:
        return "no course run yet: start one with decoder run start NAME DATE"
    return (f"run {run.name!r}, day 1 was {run.starts_on.isoformat()} ({run.time_zone}), "
            f"today is day {run.day_of(dt.datetime.now(dt.UTC))}; its calendar: decoder run")


def cmd_run(settings: PlatformSettings, args) -> int:
    return runcommand.cmd_run(settings, args, say)


def cmd_down(settings: PlatformSettings, args) -> int:
    hub, proxy = hubprocess.stop_platform(settings)
    say("Hub stopped." if hub else "The hub was not running.")
    say("Proxy stopped." if proxy else "The proxy was not running.")
    if engine_answers():
        count = hubprocess.stop_learners(settings)
        say(f"Stopped {count} learner server(s); their homes are kept.")
    return 0


def cmd_status(settings: PlatformSettings, args) -> int:
    """Judged by health, not by pid files: a hub that does not answer is not running."""
    from ..hub.network import firewall_problems

    pid = hubprocess.hub_pid(settings)
    healthy = hubprocess.hub_healthy(settings)
    if healthy:
        say(f"hub:     running, pid {pid} (answering at {settings.public_url})")
    else:
        say(f"hub:     {'not answering (pid ' + str(pid) + ')' if pid else 'stopped'}")
    say("origins: " + (f"one per person ({settings.public_url}, each server and service on "
                       "a subdomain of it)" if settings.per_user_origins else
                       f"one shared origin ({settings.public_url}): reviews show the grading "
                       "sandbox's outputs, instructors cannot open a learner's JupyterLab"))
    proxy = hubprocess.proxy_pid(settings)
    proxy_up = proxy and hubprocess.proxy_answers(settings)
    say(f"proxy:   {'running, pid ' + str(proxy) if proxy_up else 'stopped'}")
    answering = hubprocess.course_service_answers(settings)
    say(f"service: {'answering' if answering else 'NOT ANSWERING'} at "
        f"{settings.course_service_url}" + (", run apart from the hub (decoder course-service)"
                                            if settings.course_service_apart else
                                            ", started by the hub")
        + ("" if settings.grade_here else "; grades nothing itself (grading hosts only)"))
    if not engine_answers():
        say("engine:  not answering")
        return 1 if pid else 3
    say("engine:  answering, " + ("keeps the servers running through its own restart "
                                  "(live-restore)" if live_restore_enabled() else
                                  "WARNING: " + LIVE_RESTORE_ADVICE))
    problems = firewall_problems(settings)
    say("firewall: " + ("checked, in place" if not problems else "NOT IN PLACE: "
                        + "; ".join(problems)))
    if settings.home_size_mb:
        say("homes:   " + homes.describe(settings.homes_root, settings.home_size_mb))
    say("course:  " + run_line(settings))
    for container in hubprocess.learner_containers(settings):
        say(f"  {container.name:<40} {container.status}")
    return 0 if healthy and not problems else 3


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

    from ..service.worker import grading_options

    master = settings.masters_dir / args.assignment
    if not (master / f"{args.assignment}.ipynb").exists():
        say(f"Unknown assignment {args.assignment!r}: no {master}/")
        return 2
    ensure_engine(settings.path("logs", "dockerd.log"), log=say)
    # the same image, time limits and language as the service's workers: graded as a
    # submission would be
    result = grade(Path(args.notebook), master, settings.course_config,
                   cache=settings.path("grading-cache"), **grading_options(settings))
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
    for repair in result.repairs:
        say(f"  {render(repair, language)}")
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


def cmd_export(settings: PlatformSettings, args) -> int:
    """The grades as CSV (nbgrader's columns and ours), from the course service."""
    course = CourseServiceClient(settings)
    text = course.get("export", query={"week": args.week, "run": args.run,
                                       "format": "tableur" if args.spreadsheet else None})["csv"]
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        say(f"{text.count(chr(10)) - 1} row(s) written to {args.output}")
    return 0


def cmd_verify_badge(settings: PlatformSettings, args) -> int:
    """Check a badge (its PNG, or its .jwt) against the platform's key."""
    from ..dashboard import badges

    data = Path(args.file).read_bytes()
    try:
        token = badges.unbake(data) if data.startswith(badges.PNG_SIGNATURE) else \
            data.decode().strip()
        if args.public_key:
            key = badges.key_from_jwk(json.loads(Path(args.public_key).read_text())
                                      .get("publicKey") or {})
        else:
            key = badges.load_or_create_key(settings.path("secrets", "badge-key.pem")
                                            ).public_key()
        vc = badges.verify(token, key)
    except (badges.BadgeInvalid, UnicodeDecodeError, ValueError) as error:
        say(f"INVALID: {error}")
        return 1
    say(f"valid: {vc['name']!r}, issued by {vc['issuer']['name']!r} on "
        f"{vc['issuanceDate']} to {vc['credentialSubject']['id']}")
    return 0


def cmd_instructor(settings: PlatformSettings, args) -> int:
    """Instructors' accounts are made here, never by sign-up (their names are reserved)."""
    from ..hub.accounts import add_instructor, instructor_names

    if args.action == "list":
        for name in instructor_names(settings):
            say(name)
        return 0
    password = add_instructor(settings, args.name, reset=args.reset)
    name = args.name.strip().lower()
    live = hubprocess.hub_healthy(settings) and join_instructors_now(settings, name)
    say(f"Instructor account {name!r} is ready. Its password, shown only now: {password}")
    say("Give it in person; it can be changed at /hub/change-password after logging in.")
    if not live:
        say("The hub is not running: the account joins the instructors at its next start.")
    return 0


def join_instructors_now(settings: PlatformSettings, name: str) -> bool:
    """Put ``name`` in the running hub's instructors group (the next start does it too)."""
    from ..hubapi import HubAPI, HubAPIError

    hub = HubAPI.for_cli(settings)
    try:
        hub.create_user(name)
        hub.add_to_group("instructors", [name])
    except HubAPIError:
        return False
    return True


def progress_bar(done: int, total: int, failed: int, width: int = 30) -> None:
    filled = int(width * done / total) if total else width
    line = f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total} graded" + (
        f", {failed} failed" if failed else "")
    end = "\r" if sys.stdout.isatty() else "\n"
    print(line, end=end, flush=True)


def cmd_worker(settings: PlatformSettings, args) -> int:
    from ..service.remote_worker import supervise  # nbgrader: only this command needs it
    return supervise(args, say)


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
    runcommand.add_parser(sub)
    classcommand.add_parsers(sub)
    kubecommand.add_parser(sub)
    servicecommand.add_parser(sub)
    grade = sub.add_parser("grade", help="grade one notebook in the sandbox, as a submission")
    grade.add_argument("notebook")
    grade.add_argument("--assignment", required=True, help="e.g. s1-bonjour")
    grade.add_argument("--json", action="store_true", help="print the full report as JSON")
    grade_all = sub.add_parser("grade-all", help="regrade every learner's newest submission of "
                               "an assignment, in parallel (the hub must be up)")
    grade_all.add_argument("assignment", help="e.g. s1-bonjour")
    export = sub.add_parser("export", help="the grades as CSV (nbgrader's export columns, then "
                            "week, kind, peer grade and the week's grade); the hub must be up")
    export.add_argument("--week", type=int, help="only this week (default: the whole course)")
    export.add_argument("--run", help="the course run (default: the current one; see "
                        "decoder run list)")
    export.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    export.add_argument("--spreadsheet", action="store_true",
                        help="for a spreadsheet in French: UTF-8 with a byte-order mark, "
                        "semicolons, decimal commas (default: plain CSV for programs)")
    verify = sub.add_parser("verify-badge", help="check a badge (PNG or .jwt) against this "
                            "platform's key (or another issuer's public key)")
    verify.add_argument("file")
    verify.add_argument("--public-key", help="an issuer's profile (JSON with publicKey), to "
                        "check a badge of another platform")
    worker = sub.add_parser("worker", help="grade on this machine for a course service on "
                            "another (its grading_queue_address): keeps grading workers alive")
    add_worker_arguments(worker)
    instructor = sub.add_parser("instructor", help="instructors' accounts (their names are "
                                "reserved: sign-up refuses them)")
    instructor.add_argument("action", choices=("add", "list"))
    instructor.add_argument("name", nargs="?", help="the instructor's username (for add)")
    instructor.add_argument("--reset", action="store_true", help="give an existing account "
                            "a new password and make it an instructor's")
    return main


COMMANDS = {"up": cmd_up, "down": cmd_down, "status": cmd_status, "settings": cmd_settings,
            "logs": cmd_logs, "build": cmd_build, "run": cmd_run, "grade": cmd_grade,
            "grade-all": cmd_grade_all,
            "export": cmd_export, "verify-badge": cmd_verify_badge,
            "instructor": cmd_instructor,
            "group": lambda settings, args: classcommand.cmd_group(settings, args, say),
            "session": lambda settings, args: classcommand.cmd_session(settings, args, say),
            "prestart": lambda settings, args: classcommand.cmd_prestart(settings, args, say),
            "kube": lambda settings, args: kubecommand.cmd_kube(settings, args, say),
            "worker": cmd_worker, "course-service": servicecommand.cmd_course_service}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = PlatformSettings.load()
        if args.command == "instructor" and args.action == "add" and not args.name:
            raise ValueError("say whose account: decoder instructor add NAME")
        return COMMANDS[args.command](settings, args)
    except (RuntimeError, PermissionError, ValueError) as error:
        print(f"decoder {args.command}: {error}", file=sys.stderr)
        return 2
    except requests.ConnectionError:
        print(f"decoder {args.command}: the hub does not answer: is the platform up? "
              "(decoder status, decoder up)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
