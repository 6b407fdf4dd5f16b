"""The review rooms' decisions (decoder/peer/rooms.py's plan, pure) and their rows on SQLite and
PostgreSQL: a room is lent to one reviewer at a time, wiped once its review is sent, its time is
up or it idles, and rooms are started ahead as many as asked."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from decoder.peer.rooms import (
    FREE,
    LENT,
    READY,
    STARTING,
    Limits,
    Room,
    RoomService,
    Server,
    plan,
)
from decoder.service.rules import Refused

NOW = dt.datetime(2027, 1, 12, 10, tzinfo=dt.UTC)
LIMITS = Limits(ready=1, lent_for=dt.timedelta(minutes=60), idle_for=dt.timedelta(minutes=15))
UP = Server(True, True, NOW)


def room(account, state, minutes_ago=1, review=None, reviewer=None) -> Room:
    return Room(account, state, NOW - dt.timedelta(minutes=minutes_ago), review, reviewer)


def test_a_lent_room_is_wiped_when_its_review_is_sent_its_time_is_up_or_it_idles():
    rooms = [room("r1", LENT, review=1, reviewer="ana"),
             room("r2", LENT, 61, review=2, reviewer="bob"),
             room("r3", LENT, 20, review=3, reviewer="cam"),
             room("r4", LENT, 20, review=4, reviewer="dan"),
             room("r5", LENT, 1, review=5, reviewer="eve")]
    servers = {"r1": UP, "r2": UP, "r3": Server(True, True, NOW - dt.timedelta(minutes=16)),
               "r4": Server(True, True, NOW - dt.timedelta(minutes=2)), "r5": UP}
    decided = plan(rooms, servers, {1}, NOW, LIMITS)
    assert set(decided.wipe) == {"r1", "r2", "r3"}  # sent, lent too long, idle
    gone = plan([room("r4", LENT, review=4, reviewer="dan")], {}, set(), NOW, LIMITS)
    assert gone.wipe == ("r4",)  # its server died or was culled


def test_rooms_are_started_ahead_as_many_as_asked_and_noted_ready():
    rooms = [room("r1", FREE), room("r2", FREE), room("r3", STARTING)]
    assert plan(rooms, {}, set(), NOW, LIMITS).start == ()  # one is starting already
    ready = plan(rooms, {"r3": UP}, set(), NOW, LIMITS)
    assert ready.ready == ("r3",) and ready.start == ()
    two = plan(rooms, {"r3": UP}, set(), NOW, Limits(2, LIMITS.lent_for, LIMITS.idle_for))
    assert two.start == ("r1",)
    stuck = plan([room("r1", STARTING, 5)], {}, set(), NOW, LIMITS)
    assert stuck.wipe == ("r1",)  # not up after START_SECONDS: wiped, tried again
    lost = plan([room("r1", READY), room("r2", FREE)], {}, set(), NOW, LIMITS)
    assert lost.lost == ("r1",) and lost.start == ("r2",)
    left = plan([room("r1", FREE)], {"r1": UP}, set(), NOW, Limits(0, LIMITS.lent_for,
                                                                   LIMITS.idle_for))
    assert left.wipe == ("r1",)  # a free room's server still running: stopped


class FakeHub:
    """The hub as the room service sees it (tests/unit: no hub here; the real one in
    tests/test_review_rooms.py)."""

    public_url = "http://localhost:8000"

    def __init__(self):
        self.running: set[str] = set()
        self.calls: list[tuple] = []
        self.lock = threading.Lock()

    def server(self, name):
        return {"ready": True, "pending": None, "last_activity": None} \
            if name in self.running else None

    def start(self, name):
        with self.lock:
            self.running.add(name)
            self.calls.append(("start", name))

    def stop(self, name):
        with self.lock:
            self.running.discard(name)
            self.calls.append(("stop", name))

    def share_with(self, name, user):
        self.calls.append(("share", name, user))

    def unshare(self, name):
        self.calls.append(("unshare", name))

    def put_file(self, name, path, content):
        self.calls.append(("put", name, path))


def test_two_reviewers_at_once_never_get_the_same_room(store):
    hub = FakeHub()
    service = RoomService(store.engine, hub, ["relecture-1", "relecture-2"], LIMITS)
    urls, refused = [], []

    def lend(who, review):
        try:
            urls.append(service.lend(who, review, f"copie-{review}.ipynb", {}))
        except Refused as error:
            refused.append(error.key)
    threads = [threading.Thread(target=lend, args=(f"p{i}", i)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(urls) == 2 and refused == ["no_room_free", "no_room_free"]
    assert {url.split("/user/")[1].split("/")[0] for url in urls} == {"relecture-1",
                                                                       "relecture-2"}
    assert all(url.startswith("http://relecture-") and ".localhost:8000/" in url for url in urls)


def test_a_reviewer_who_opens_another_copy_gets_a_fresh_room(store):
    hub = FakeHub()
    service = RoomService(store.engine, hub, ["relecture-1", "relecture-2"], LIMITS)
    first = service.lend("ana", 1, "copie-1.ipynb", {})
    assert service.lend("ana", 1, "copie-1.ipynb", {}) == first  # the same, asked again
    second = service.lend("ana", 2, "copie-2.ipynb", {})
    assert ("stop", "relecture-1") in hub.calls and ("unshare", "relecture-1") in hub.calls
    assert "copie-2.ipynb" in second
    lent = [r for r in service.rooms() if r.state == LENT]
    assert [(r.reviewer, r.review_id) for r in lent] == [("ana", 2)]


def test_the_tick_wipes_sent_reviews_rooms_and_starts_one_ahead(store):
    hub = FakeHub()
    service = RoomService(store.engine, hub, ["relecture-1", "relecture-2"], LIMITS)
    service.lend("ana", 7, "copie-7.ipynb", {})
    decided = service.tick(lambda ids: {7} & ids)
    assert decided.wipe == ("relecture-1",) or "relecture-1" in decided.wipe
    states = {r.account: r.state for r in service.rooms()}
    assert states["relecture-1"] == FREE and states["relecture-2"] == STARTING
    service.tick(lambda ids: set())
    assert {r.account: r.state for r in service.rooms()}["relecture-2"] == READY


def test_no_configured_room_lends_nothing(store):
    service = RoomService(store.engine, FakeHub(), [], LIMITS)
    with pytest.raises(Refused) as refused:
        service.lend("ana", 1, "x.ipynb", {})
    assert refused.value.key == "no_room_free"
