"""`decoder group`, `decoder session` and `decoder prestart`: a class taught together.

    decoder group add NAME FILE        fill the group NAME from a class list (CSV or one
                                       username per line); only existing accounts join
    decoder group show NAME            its members, and whose server runs
    decoder session add GROUP START    a class session of GROUP in the current run: START is
                                       'YYYY-MM-DD HH:MM' in the run's time zone; --minutes
    decoder session list               the current run's sessions
    decoder session remove ID
    decoder prestart GROUP             start the group's servers now, a few at a time

The hub starts a session's servers by itself ``prestart_minutes`` before it
(decoder/hub/prestart.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..hubapi import HubAPI
from ..settings import PlatformSettings
from .groups import check_group, fill_group, roster_of


def cmd_group(settings: PlatformSettings, args, say) -> int:
    from ..hub.accounts import signed_up
    from ..hub.roles import room_names

    hub = HubAPI.for_cli(settings)
    group = check_group(args.name)
    if args.action == "show":
        members = hub.group_members(group)
        if members is None:
            raise ValueError(f"there is no group {group!r}: decoder group add {group} FILE")
        for name in members:
            say(f"{name:<34} {hub.server_state(name)}")
        say(f"{len(members)} in {group!r}")
        return 0
    if not args.file:
        raise ValueError("say which class list: decoder group add NAME FILE")
    path = Path(args.file)
    if not path.is_file():
        raise ValueError(f"{args.file!r} is not a file: give the class list (CSV, or one "
                         "username per line)")
    roster = roster_of(path.read_text(encoding="utf-8-sig"))
    for problem in roster.problems:
        say(f"skipped, {problem}")
    filled = fill_group(hub, group, roster.names, set(room_names(settings.rooms)),
                        signed_up(settings, roster.names))
    say(f"Group {group!r} {'created' if filled.created else 'updated'}: {len(filled.added)} "
        f"added, {len(filled.already)} already in it.")
    if filled.unknown:
        say(f"No account yet, not added ({len(filled.unknown)}): {', '.join(filled.unknown)}. "
            "Run the same command again once they have signed up.")
    if filled.refused:
        say(f"Review rooms' accounts, never in a class: {', '.join(filled.refused)}")
    return 1 if roster.problems or filled.unknown or filled.refused else 0


def session_start(text: str, zone) -> dt.datetime:
    try:
        local = dt.datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise ValueError(f"{text!r} is not a start: write it 'YYYY-MM-DD HH:MM' "
                         "(2027-01-05 09:00), in the run's time zone") from None
    if local.tzinfo is not None:
        return local
    return local.replace(tzinfo=zone)


def cmd_session(settings: PlatformSettings, args, say) -> int:
    from ..service.class_sessions import ClassSessions
    from ..service.runs import open_runs

    runs = open_runs(settings.course_db_url)
    run = runs.current()
    if run is None:
        raise ValueError("no course run yet: start one with decoder run start NAME DATE")
    sessions = ClassSessions(runs.engine)
    if args.action == "add":
        if not args.group or not args.start:
            raise ValueError("say which group and when: decoder session add GROUP "
                             "'YYYY-MM-DD HH:MM' --minutes 120")
        group = check_group(args.group)
        if HubAPI.for_cli(settings).group_members(group) is None:
            raise ValueError(f"there is no group {group!r}: fill it first with decoder group "
                             f"add {group} FILE")
        added = sessions.add(run.name, group, session_start(args.start, run.zone), args.minutes)
        say(f"Session {added.id}: group {group!r}, {run.local(added.starts_at):%Y-%m-%d %H:%M} "
            f"({run.time_zone}) for {added.minutes} min; its servers start "
            f"{settings.prestart_minutes} min before.")
        return 0
    if args.action == "remove":
        if not args.group or not args.group.isdigit():
            raise ValueError("say which session: decoder session remove ID (decoder session "
                             "list shows them)")
        if not sessions.remove(int(args.group)):
            raise ValueError(f"there is no session {args.group}")
        say(f"Session {args.group} removed.")
        return 0
    for session in sessions.of_run(run.name):
        done = f"servers started {run.local(session.prestarted_at):%H:%M}" \
            if session.prestarted_at else "servers not started yet"
        say(f"{session.id:>4}  {run.local(session.starts_at):%Y-%m-%d %H:%M}  "
            f"{session.minutes:>4} min  {session.group:<24} {done}")
    return 0


def cmd_prestart(settings: PlatformSettings, args, say) -> int:
    from ..hub.prestart import prestart_group

    report = prestart_group(HubAPI.for_cli(settings), check_group(args.group), settings, say)
    say(report.summary())
    return 1 if report.failed else 0


def add_parsers(sub) -> None:
    group = sub.add_parser("group", help="a class as a JupyterHub group: add NAME FILE (fill "
                           "it from a class list), show NAME")
    group.add_argument("action", choices=("add", "show"))
    group.add_argument("name", help="the group, e.g. atelier-mardi")
    group.add_argument("file", nargs="?", help="the class list (for add): a CSV whose first "
                       "column is the username, or one username per line")
    session = sub.add_parser("session", help="class sessions of the current run: list, add "
                             "GROUP 'YYYY-MM-DD HH:MM' --minutes N, remove ID")
    session.add_argument("action", nargs="?", choices=("list", "add", "remove"), default="list")
    session.add_argument("group", nargs="?", help="the group (for add), the session's id "
                         "(for remove)")
    session.add_argument("start", nargs="?", help="when it starts (for add), in the run's "
                         "time zone: 'YYYY-MM-DD HH:MM'")
    session.add_argument("--minutes", type=int, default=120, help="how long (default 120)")
    prestart = sub.add_parser("prestart", help="start a group's servers now, a few at a time "
                              "(the hub does it by itself before each session)")
    prestart.add_argument("group")
