"""Peer review's tables on SQLite and PostgreSQL: concurrent requests for work never hold a
submission more than it needs, a review is given once and only by its holder, and every staff
action is journaled with its change."""

from __future__ import annotations

import datetime as dt
import threading

from decoder.peer.allocation import HOLD, allocate
from decoder.peer.store import PeerStore, withdrawals

OPENS = dt.datetime(2026, 11, 29, 23, 0, tzinfo=dt.UTC)
NOW = OPENS + dt.timedelta(hours=1)


RUN = "printemps"


def submit(store, who: str, minutes: int = 0, run: str = RUN) -> int:
    return store.add_submission(who, "s1-algo", (OPENS - dt.timedelta(minutes=minutes))
                                .replace(tzinfo=None), f"f-{who}", 1, "x", run=run)


def ask(peer: PeerStore, who: str, required: int = 2):
    def decide(candidates, reviews, at):
        return allocate(who, candidates, reviews, required=required, review_opens=OPENS, now=at)

    peer.ensure_lock("s1-algo")
    return peer.hold("s1-algo", RUN, who, NOW, NOW + HOLD, decide)


def test_concurrent_requests_never_over_hold(store):
    """Twelve reviewers ask at once for a class whose only submission needs two reviews: two
    counted holds, the others extra; never a third counted one."""
    peer = PeerStore(store.engine)
    submit(store, "awa")
    results, errors = [], []

    def one(name: str) -> None:
        try:
            results.append(ask(peer, name))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one, args=(f"r{i}",)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    held = peer.reviews_of(assignment="s1-algo")
    assert len(held) == 12
    assert sum(1 for review in held if review["counted"]) == 2


def test_a_hold_is_given_back_to_its_holder_and_given_once(store):
    peer = PeerStore(store.engine)
    submit(store, "awa")
    first, new = ask(peer, "bruno")
    assert new and ask(peer, "bruno") == (first, False)  # asking again: the same review
    assert not peer.give(first, "chloe", [1, 1], "pas la sienne", {}, NOW)
    assert peer.give(first, "bruno", [2, 1], "Très clair.", {"0": "bien"}, NOW)
    assert not peer.give(first, "bruno", [0, 0], "encore", {}, NOW)
    given = peer.review(first)
    assert given["points"] == [2, 1] and given["cell_comments"] == {"0": "bien"}
    assert given["author"] == "awa" and given["done_at"] is not None


def test_staff_actions_are_journaled_with_their_change(store):
    peer = PeerStore(store.engine)
    submission = submit(store, "awa")

    def change(db):
        db.execute(withdrawals.insert().values(submission_id=submission, by="marie",
                                               at=NOW.replace(tzinfo=None), reason="plagiat"))

    peer.act("s1-algo", RUN, "marie", "withdraw", submission, "plagiat", NOW, change)
    assert peer.withdrawn(submission)
    assert [(a["actor"], a["action"], a["target"]) for a in peer.actions("s1-algo", RUN)] == [
        ("marie", "withdraw", submission)]
    assert peer.actions("s1-algo", "automne") == []
    assert ask(peer, "bruno") is None  # withdrawn work is not given


def test_a_run_reviews_its_own_class_only(store):
    """Another run's submission is never given to review, and its reviews are not this run's."""
    peer = PeerStore(store.engine)
    submit(store, "ancien", minutes=30, run="automne")  # older: allocation's first pick
    mine = submit(store, "awa")
    review, _ = ask(peer, "bruno")
    assert peer.review(review)["submission_id"] == mine
    candidates, reviews = peer.pool("s1-algo", "automne")
    assert [c.author for c in candidates] == ["ancien"] and reviews == []
    assert [r["id"] for r in peer.reviews_of(assignment="s1-algo", run=RUN)] == [review]
    assert peer.reviews_of(assignment="s1-algo", run="automne") == []
