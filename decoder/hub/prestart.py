"""Servers started ahead of a class session, a few at a time.

A group (a JupyterHub group) has a session at 9:00: from ``prestart_minutes`` before, this
service starts the servers of the group's members that are not running, ``prestart_concurrency``
at a time (each waited for before the next, so that the machine stays responsive for those
already working), and a learner who logs in during the session lands in a ready JupyterLab.
Servers nobody uses are stopped by the idle culler after ``idle_timeout``, as any other.
``decoder prestart GROUP`` does the same at once, by hand.

Run by the hub as the ``class-sessions`` service (``python -m decoder.hub.prestart``): it reads the
current run's sessions in the course service's database every ``prestart_check_seconds``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..hubapi import HubAPI, HubAPIError
from ..settings import PlatformSettings, process_settings

log = logging.getLogger("decoder.hub.prestart")
POLL_SECONDS = 1.0
SPAWN_WAIT_SECONDS = 180.0  # a server not ready by then is said to have failed (start_timeout 120)


@dataclass
class Report:
    started: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # running or starting before we came
    failed: dict[str, str] = field(default_factory=dict)  # name: why

    def summary(self) -> str:
        text = (f"{len(self.started)} started, {len(self.already)} already running")
        if self.failed:
            text += f", {len(self.failed)} not started: " + "; ".join(
                f"{name} ({why})" for name, why in sorted(self.failed.items()))
        return text


def start_servers(hub: HubAPI, names: list[str], *, concurrency: int, wait_seconds: float,
                  say: Callable[[str], None] = log.info,
                  sleep: Callable[[float], None] = time.sleep,
                  clock: Callable[[], float] = time.monotonic) -> Report:
    """Start the servers of ``names`` that are stopped, ``concurrency`` at a time, each given
    ``wait_seconds`` to be ready. The hub's own limits (too many starting at once, too many
    running) are waited out, not counted as failures, until the time runs out."""
    report = Report()
    queue = []
    for name in names:
        (queue if hub.server_state(name) == "stopped" else report.already).append(name)
    starting: dict[str, float] = {}  # name: when it was asked
    full_since: float | None = None  # the hub refused a start for its limits since then
    while queue or starting:
        while queue and len(starting) < concurrency:
            name = queue[0]
            answer = hub.start_server(name)
            if answer.status_code == 429:  # the hub's spawn or server limit: later
                full_since = full_since if full_since is not None else clock()
                break
            full_since = None
            queue.pop(0)
            if answer.status_code == 201:
                report.started.append(name)
                say(f"{name}: ready")
            elif answer.status_code == 202:
                starting[name] = clock()
            elif answer.status_code == 400 and "already running" in answer.text:
                report.already.append(name)
            else:
                report.failed[name] = f"the hub answered {answer.status_code}"
        for name, asked in list(starting.items()):
            state = hub.server_state(name)
            if state == "ready":
                del starting[name]
                report.started.append(name)
                say(f"{name}: ready")
            elif state == "stopped":
                del starting[name]
                report.failed[name] = "its server failed to start (see the hub's log)"
            elif clock() - asked > wait_seconds:
                del starting[name]
                report.failed[name] = f"not ready after {wait_seconds:g} s"
        if queue and not starting and full_since is not None \
                and clock() - full_since > wait_seconds:
            for name in queue:
                report.failed[name] = "the hub stayed full (too many servers running)"
            break
        if queue or starting:
            sleep(POLL_SECONDS)
    return report


def prestart_group(hub: HubAPI, group: str, settings: PlatformSettings,
                   say: Callable[[str], None] = log.info) -> Report:
    members = hub.group_members(group)
    if members is None:
        raise HubAPIError(f"there is no group {group!r}: fill one with decoder group add "
                          f"{group} FILE")
    return start_servers(hub, members, concurrency=settings.prestart_concurrency,
                         wait_seconds=SPAWN_WAIT_SECONDS, say=say)


def tick(hub: HubAPI, settings: PlatformSettings, now: dt.datetime) -> None:
    """One look at the current run's sessions: prestart those whose time has come."""
    from ..service.class_sessions import ClassSessions, prestart_due
    from ..service.runs import run_store

    runs = run_store(settings.course_db_url)
    run = runs.current()
    if run is None:
        return
    sessions = ClassSessions(runs.engine)
    ahead = dt.timedelta(minutes=settings.prestart_minutes)
    for session in prestart_due(sessions.of_run(run.name), now, ahead):
        log.info("Session %s of group %s at %s: starting its servers", session.id,
                 session.group, session.starts_at.isoformat())
        report = prestart_group(hub, session.group, settings)
        log.info("Session %s: %s", session.id, report.summary())
        if not report.failed:
            sessions.mark_prestarted(session.id)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="[%(levelname)s %(asctime)s prestart] "
                        "%(message)s")
    settings = process_settings()
    hub = HubAPI.from_environment()
    log.info("Class sessions: servers started %s min ahead, %s at a time, checked every %s s",
             settings.prestart_minutes, settings.prestart_concurrency,
             settings.prestart_check_seconds)
    while True:
        try:
            tick(hub, settings, dt.datetime.now(dt.UTC))
        except (HubAPIError, OSError, sa.exc.SQLAlchemyError) as error:
            # the hub restarting, the course database not migrated yet: the next look retries
            log.warning("Class sessions not looked at this time: %s", error)
        time.sleep(settings.prestart_check_seconds)


if __name__ == "__main__":
    main()
