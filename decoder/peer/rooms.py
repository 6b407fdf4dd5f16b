"""Review rooms: where a peer's notebook runs for one reviewer, and nowhere else.

A room is a hub account of the ``relecture`` group (roles.py) whose server (the spawner's room
mode) has no home, no lessons and a token that reaches nothing of the course, on an origin of
its own. When a reviewer asks to run the copy they review, the course service lends them a
room started ahead and empty: it writes the anonymised copy into it through the server's own
API, shares the server with that reviewer alone (JupyterHub 5's sharing) and sends their
browser there. The author's code then runs with nothing of the reviewer's: not their home, not
their token, not their origin's cookies.

A lent room is wiped (its share taken back, its server stopped: the container and its
memory-backed folder go) once its review is sent, after ``review_room_minutes``, after
``review_room_idle_minutes`` unused, or when its reviewer asks to run another copy; rooms are
started again ahead, ``review_rooms_ready`` at a time. ``plan`` decides (pure); ``RoomService``
keeps each room's state in the course database and does what ``plan`` says through the hub.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from .. import origins
from ..service.hub import Hub, HubError, parse_time
from ..service.rules import Refused
from ..service.store import as_utc, metadata

log = logging.getLogger("decoder.rooms")

FREE, STARTING, READY, LENT = "free", "starting", "ready", "lent"
START_SECONDS = 90  # a room not ready this long after its start is wiped and tried again

rooms = sa.Table(
    "review_rooms", metadata,
    sa.Column("account", sa.String(64), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("review_id", sa.Integer),
    sa.Column("reviewer", sa.String(255)),
    sa.Column("since", sa.DateTime, nullable=False),  # when it entered its state (UTC)
)


@dataclass(frozen=True)
class Room:
    account: str
    state: str
    since: dt.datetime
    review_id: int | None = None
    reviewer: str | None = None


@dataclass(frozen=True)
class Server:
    """What the hub says of a room's server."""

    running: bool
    ready: bool
    last_activity: dt.datetime | None = None


@dataclass(frozen=True)
class Limits:
    ready: int  # rooms kept started ahead
    lent_for: dt.timedelta  # a lent room is wiped this long after it was lent
    idle_for: dt.timedelta  # … or this long unused


@dataclass(frozen=True)
class Plan:
    wipe: tuple[str, ...] = ()  # take the share back, stop the server: then free
    start: tuple[str, ...] = ()  # free rooms to start ahead
    ready: tuple[str, ...] = ()  # started rooms whose server is up
    lost: tuple[str, ...] = ()  # rooms whose server is gone (culled, died): free again


def plan(found: list[Room], servers: dict[str, Server], done: set[int], now: dt.datetime,
         limits: Limits) -> Plan:
    """What to do with each room at ``now`` (pure): ``servers`` is what the hub says of each
    room's server, ``done`` the reviews already sent among those lent."""
    wipe, ready, lost = [], [], []
    for room in found:
        server = servers.get(room.account, Server(False, False))
        if room.state == LENT:
            active = max(filter(None, (server.last_activity, room.since)))
            if (room.review_id in done or now - room.since > limits.lent_for
                    or now - active > limits.idle_for or not server.running):
                wipe.append(room.account)
        elif room.state == STARTING:
            if server.ready:
                ready.append(room.account)
            elif now - room.since > dt.timedelta(seconds=START_SECONDS):
                wipe.append(room.account)
        elif room.state == READY and not server.ready:
            lost.append(room.account)
        elif room.state == FREE and server.running:
            wipe.append(room.account)  # a server left running by a stop that failed
    waiting = sum(1 for room in found if room.state in (STARTING, READY)) - len(lost)
    free = [room.account for room in found if room.state == FREE
            and room.account not in wipe]
    return Plan(tuple(wipe), tuple(free[:max(0, limits.ready - waiting)]), tuple(ready),
                tuple(lost))


class RoomService:
    def __init__(self, engine: sa.Engine, hub: Hub, accounts: list[str], limits: Limits,
                 now: Callable[[], dt.datetime] | None = None):
        self.engine, self.hub, self.accounts, self.limits = engine, hub, accounts, limits
        self.now = now or (lambda: dt.datetime.now(dt.UTC))

    # ---- the rooms' rows ----

    def rooms(self) -> list[Room]:
        """Every configured room, a row made for a new one (free)."""
        with self.engine.begin() as db:
            known = set(db.execute(sa.select(rooms.c.account)).scalars())
            for account in set(self.accounts) - known:
                try:
                    with db.begin_nested():
                        db.execute(rooms.insert().values(account=account, state=FREE,
                                                         since=naive(self.now())))
                except sa.exc.IntegrityError:  # made at the same moment by another request
                    pass
        with self.engine.connect() as db:
            rows = db.execute(sa.select(rooms).where(rooms.c.account.in_(self.accounts))
                              .order_by(rooms.c.account)).mappings().all()
        return [Room(row["account"], row["state"], as_utc(row["since"]), row["review_id"],
                     row["reviewer"]) for row in rows]

    def _move(self, account: str, to: str, *, expected: tuple[str, ...] | None = None,
              review_id: int | None = None, reviewer: str | None = None) -> bool:
        """Set a room's state, only from one of ``expected`` if given (two requests at once
        never lend one room twice); True if it moved."""
        query = rooms.update().where(rooms.c.account == account)
        if expected:
            query = query.where(rooms.c.state.in_(expected))
        with self.engine.begin() as db:
            return bool(db.execute(query.values(state=to, review_id=review_id,
                                                reviewer=reviewer,
                                                since=naive(self.now()))).rowcount)

    # ---- lending ----

    def lend(self, reviewer: str, review_id: int, filename: str, notebook: dict) -> str:
        """The room where ``reviewer`` runs the copy of review ``review_id``: the URL of the
        copy in it. Their room of another review is wiped first."""
        found = self.rooms()
        for room in found:
            if room.state == LENT and room.reviewer == reviewer:
                if room.review_id == review_id:
                    return self.copy_url(room.account, filename)
                self.wipe(room.account)
        account = self._take(found, reviewer, review_id)
        try:
            self._wait_ready(account)
            self.hub.put_file(account, filename, notebook)
            self.hub.share_with(account, reviewer)
        except (HubError, OSError) as error:
            log.error("room %s could not be lent: %s", account, error)
            self.wipe(account)
            raise Refused(503, "room_failed") from None
        log.info("room %s lent for review %s", account, review_id)
        return self.copy_url(account, filename)

    def _take(self, found: list[Room], reviewer: str, review_id: int) -> str:
        """A ready room, else a free one (started now), moved to lent."""
        for wanted in (READY, FREE):
            for room in found:
                if room.state == wanted and self._move(room.account, LENT, expected=(wanted,),
                                                       review_id=review_id,
                                                       reviewer=reviewer):
                    if wanted == FREE:
                        self.hub.start(room.account)
                    return room.account
        raise Refused(503, "no_room_free")

    def _wait_ready(self, account: str, seconds: float = START_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while True:
            server = self.hub.server(account)
            if server and server.get("ready"):
                return
            if time.monotonic() > deadline:
                raise HubError(f"room {account} not ready within {seconds} s")
            time.sleep(0.3)

    def copy_url(self, account: str, filename: str) -> str:
        return f"{origins.server_url(self.hub.public_url, account)}/lab/tree/{filename}"

    # ---- keeping the rooms ----

    def wipe(self, account: str) -> None:
        """Take every share back and stop the server; the room is then free."""
        try:
            self.hub.unshare(account)
            self.hub.stop(account)
        except (HubError, OSError) as error:  # tried again at the next tick (plan: FREE+running)
            log.warning("room %s not wiped yet: %s", account, error)
        self._move(account, FREE)
        log.info("room %s wiped", account)

    def tick(self, done: Callable[[set[int]], set[int]]) -> Plan:
        """Wipe what is over, start rooms ahead, note the ready ones. ``done(ids)``: which of
        those reviews were sent."""
        found = self.rooms()
        servers = {}
        for room in found:
            model = self.hub.server(room.account)
            servers[room.account] = Server(
                model is not None and model.get("pending") != "stop",
                bool(model and model.get("ready")),
                parse_time(model.get("last_activity")) if model else None)
        lent = {room.review_id for room in found if room.state == LENT and room.review_id}
        decided = plan(found, servers, done(lent) if lent else set(), self.now(), self.limits)
        for account in decided.wipe:
            self.wipe(account)
        for account in decided.lost:
            self._move(account, FREE, expected=(READY,))
        for account in decided.ready:
            self._move(account, READY, expected=(STARTING,))
        for account in decided.start:
            if self._move(account, STARTING, expected=(FREE,)):
                try:
                    self.hub.start(account)
                except (HubError, OSError) as error:
                    log.warning("room %s did not start: %s", account, error)
                    self._move(account, FREE, expected=(STARTING,))
        return decided


def naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)
