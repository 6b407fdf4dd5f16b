"""Class sessions without a hub: the class list read, group names checked, which sessions are
due for their servers, and the prestart's pacing. The pacing runs against a scripted stand-in
of the hub's API (a few lines below) to count how many servers start at once; the real hub,
engine and service are in tests/test_class_sessions.py."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from decoder.hub.prestart import start_servers
from decoder.ops.groups import GroupError, check_group, roster_of
from decoder.service.class_sessions import ClassSession, ClassSessions, SessionError, prestart_due
from decoder.service.store import Store

NINE = dt.datetime(2027, 1, 5, 8, 0, tzinfo=dt.UTC)


def test_a_class_list_from_a_spreadsheet_or_a_plain_list():
    spreadsheet = ("Nom d'utilisateur;Prénom\nAwa.Diallo;Awa\n\nkarim;Karim\n# absent\n"
                   "awa.diallo;x\n")
    assert roster_of(spreadsheet).names == ["awa.diallo", "karim"]
    plain = roster_of("zoe\nZoé Martin\nli\n")
    assert plain.names == ["zoe", "li"]
    assert len(plain.problems) == 1 and plain.problems[0].startswith("line 2:")
    assert "not a valid username" in plain.problems[0]


@pytest.mark.parametrize("name", ["instructors", "Instructors", "", "a b", "-x", "x" * 64])
def test_a_group_that_gives_rights_or_is_misnamed_is_refused(name):
    with pytest.raises(GroupError):
        check_group(name)


def test_the_instructors_group_says_how_to_add_one():
    with pytest.raises(GroupError, match="decoder instructor add"):
        check_group("instructors")


def session(minutes_from_nine: int, done: bool = False) -> ClassSession:
    return ClassSession(1, "r", "g", NINE + dt.timedelta(minutes=minutes_from_nine), 60,
                        NINE if done else None)


def test_a_session_is_due_from_its_prestart_until_it_begins():
    ahead = dt.timedelta(minutes=15)
    assert prestart_due([session(20)], NINE, ahead) == []  # too early
    assert prestart_due([session(15)], NINE, ahead) == [session(15)]
    assert prestart_due([session(1)], NINE, ahead) == [session(1)]
    assert prestart_due([session(0)], NINE, ahead) == []  # begun: learners start their own
    assert prestart_due([session(5, done=True)], NINE, ahead) == []


def test_sessions_are_kept_per_run_soonest_first_and_refused_when_odd(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'course.db'}")
    store.migrate()
    sessions = ClassSessions(store.engine)
    paris = dt.timezone(dt.timedelta(hours=1))
    late = sessions.add("r", "g", dt.datetime(2027, 1, 5, 14, 0, tzinfo=paris), 90)
    early = sessions.add("r", "g", dt.datetime(2027, 1, 5, 9, 0, tzinfo=paris), 120)
    sessions.add("other", "g", dt.datetime(2027, 1, 5, 9, 0, tzinfo=paris), 120)
    assert [s.id for s in sessions.of_run("r")] == [early.id, late.id]
    assert early.starts_at == dt.datetime(2027, 1, 5, 8, 0, tzinfo=dt.UTC)
    with pytest.raises(SessionError, match="already has session"):
        sessions.add("r", "g", dt.datetime(2027, 1, 5, 9, 0, tzinfo=paris), 30)
    with pytest.raises(SessionError, match="time zone"):
        sessions.add("r", "g", dt.datetime(2027, 1, 5, 9, 0), 30)
    with pytest.raises(SessionError, match="1 to 720 minutes"):
        sessions.add("r", "g", dt.datetime(2027, 1, 6, 9, 0, tzinfo=paris), 0)
    sessions.mark_prestarted(early.id)
    assert sessions.of_run("r")[0].prestarted_at is not None
    assert sessions.remove(late.id) and not sessions.remove(late.id)
    with store.engine.connect() as db:
        assert db.execute(sa.text("SELECT count(*) FROM class_sessions")).scalar() == 2


class Answer:
    def __init__(self, status_code: int, text: str = ""):
        self.status_code, self.text = status_code, text


class ScriptedHub:
    """The hub's answers to a prestart: a start takes ``ticks`` polls, ``full_for`` starts are
    refused with 429 first, ``broken`` never start."""

    def __init__(self, running=(), ticks=2, full_for=0, broken=()):
        self.states = {name: "ready" for name in running}
        self.ticks, self.full_for, self.broken = ticks, full_for, set(broken)
        self.left: dict[str, int] = {}
        self.most_starting = 0

    def server_state(self, name):
        if name in self.left:
            self.left[name] -= 1
            if self.left[name] <= 0:
                del self.left[name]
                self.states[name] = "stopped" if name in self.broken else "ready"
        return self.states.get(name, "stopped") if name not in self.left else "pending"

    def start_server(self, name):
        if self.full_for:
            self.full_for -= 1
            return Answer(429)
        self.left[name] = self.ticks
        self.most_starting = max(self.most_starting, len(self.left))
        return Answer(202)


def test_a_prestart_starts_a_few_at_a_time_and_waits_out_the_hubs_limit():
    hub = ScriptedHub(running=["a"], full_for=3, broken=["e"])
    clock = iter(range(10_000))
    report = start_servers(hub, ["a", "b", "c", "d", "e", "f"], concurrency=2,
                           wait_seconds=600, say=lambda _: None, sleep=lambda _: None,
                           clock=lambda: next(clock))
    assert hub.most_starting == 2
    assert report.already == ["a"]
    assert sorted(report.started) == ["b", "c", "d", "f"]
    assert list(report.failed) == ["e"] and "failed to start" in report.failed["e"]
    assert "4 started, 1 already running, 1 not started: e (" in report.summary()


def test_a_server_that_never_gets_ready_is_given_up_and_said():
    hub = ScriptedHub(ticks=10 ** 6)
    clock = iter(range(0, 10 ** 6, 10))
    report = start_servers(hub, ["slow"], concurrency=2, wait_seconds=120,
                           say=lambda _: None, sleep=lambda _: None, clock=lambda: next(clock))
    assert report.failed == {"slow": "not ready after 120 s"}


def test_a_hub_that_stays_full_is_given_up_on_and_said():
    hub = ScriptedHub(full_for=10 ** 6)
    clock = iter(range(0, 10 ** 6, 10))
    report = start_servers(hub, ["x", "y"], concurrency=2, wait_seconds=120,
                           say=lambda _: None, sleep=lambda _: None, clock=lambda: next(clock))
    assert set(report.failed) == {"x", "y"} and "stayed full" in report.failed["x"]
