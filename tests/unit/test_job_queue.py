"""The grading queue on real SQLite and PostgreSQL databases: one holder per job, results
recorded once."""

from __future__ import annotations

import datetime as dt

from decoder.service.feedback import feedback_html, learner_view
from decoder.service.store import Store

RUN = "printemps"


def submit(store: Store, who: str = "alice", run: str = RUN) -> int:
    return store.add_submission(who, "s1-bonjour", dt.datetime(2026, 11, 24, 10), "f", 1, "x",
                                run=run)


def test_a_job_has_one_holder_and_only_the_holder_records_its_result(store):
    submission = submit(store)
    job = store.claim("w1", 60)
    assert job.submission_id == submission and job.attempts == 1
    assert store.claim("w2", 60) is None
    assert not store.complete(job, "w2", 3, 3, {}, None)
    assert store.complete(job, "w1", 3, 3, {}, None)
    assert not store.complete(job, "w1", 3, 3, {}, None)  # never twice
    assert len(store.results_of(submission)) == 1


def test_a_dead_workers_job_goes_back_and_the_dead_worker_cannot_record(store):
    submission = submit(store)
    first = store.claim("dead", 60)
    assert store.requeue(worker="dead", max_attempts=3).queued == 1
    second = store.claim("alive", 60)
    assert second.id == first.id and second.attempts == 2
    assert not store.complete(first, "dead", 0, 3, {}, None)
    assert store.complete(second, "alive", 3, 3, {}, None)
    assert [r["score"] for r in store.results_of(submission)] == [3]


def test_an_expired_lease_gives_the_job_back(store):
    submit(store)
    store.claim("slow", -1)  # a lease already over
    assert store.requeue(expired=True, max_attempts=3).queued == 1
    assert store.claim("other", 60) is not None


def test_a_submission_that_kills_its_worker_each_time_is_given_up(store):
    """A worker that dies is not the learner's fault once, but a submission that takes its
    worker down at every attempt would do it forever: after max_attempts it is failed."""
    submission = submit(store)
    for attempt in range(1, 4):
        job = store.claim(f"worker-{attempt}", 60)
        assert job.attempts == attempt
        given_back = store.requeue(worker=f"worker-{attempt}", max_attempts=3)
        assert (given_back.queued, given_back.failed) == ((1, 0) if attempt < 3 else (0, 1))
    assert store.claim("another", 60) is None
    row = store.submission(submission)
    assert row["state"] == "failed" and "stopped 3 times" in row["error"]
    submit(store)  # the queue goes on with the next one
    assert store.claim("another", 60) is not None


def test_grading_failures_are_retried_then_marked_failed(store):
    submission = submit(store)
    for _ in range(3):
        job = store.claim("w", 60)
        store.give_back(job, "w", "docker is down", max_attempts=3)
    assert store.claim("w", 60) is None
    assert store.submission(submission)["state"] == "failed"


def test_regrade_queues_the_newest_submission_of_each_learner(store):
    submit(store, "alice")
    newest = submit(store, "alice")
    submit(store, "bruno")
    batch, count = store.regrade("s1-bonjour", run=RUN)
    assert count == 2
    assert store.batch_progress(batch) == {"queued": 2}
    assert {r["id"] for r in store.latest_submissions("s1-bonjour", run=RUN)} >= {newest}


REPORT = {"assignment": "s1-bonjour", "score": 1, "max_score": 3, "error": "", "tests": [
    {"grade_id": "test-a", "points": 1, "max_points": 1, "hidden_tests": 0, "message": "",
     "detail": "", "hidden_source": ""},
    {"grade_id": "test-b", "points": 0, "max_points": 2, "hidden_tests": 2,
     "message": "Un test caché n'est pas passé", "detail": "assert f(0) == 1",
     "hidden_source": "assert f(0) == 1"}]}


def test_hidden_tests_stay_hidden_until_released():
    hidden = learner_view(REPORT, hidden_released=False)
    page = feedback_html(hidden, title="Dire bonjour", submitted_at="hier",
                         hidden_released=False)
    assert "assert f(0)" not in str(hidden) and "assert f(0)" not in page
    assert "1 / 3" in page and "2 tests cachés" in page
    shown = learner_view(REPORT, hidden_released=True)
    assert "assert f(0) == 1" in feedback_html(shown, title="x", submitted_at="hier",
                                               hidden_released=True)


def test_the_feedback_page_and_refusals_speak_english_when_asked():
    from decoder.service.rules import Refused

    page = feedback_html(learner_view(REPORT, hidden_released=False), title="Say hello",
                         submitted_at="yesterday", hidden_released=False, language="en")
    assert "Feedback on “Say hello”" in page and "2 hidden tests" in page
    assert "Retour" not in page
    refused = Refused(413, "too_big", size=21.0, limit=20.0)
    assert "more than the 20 MB limit" in refused.text("en")
    assert "plus que la limite de 20 Mo" in refused.text("fr") == refused.message


def test_the_class_history_has_each_submissions_newest_grading(store):
    """What the dashboard reads in one query: every submission, its newest job's state and its
    newest result's score; and who fetched what."""
    first = submit(store, "alice")
    job = store.claim("w", 60)
    store.complete(job, "w", 1, 3, {}, None)
    store.regrade("s1-bonjour", run=RUN)
    regraded = store.claim("w", 60)
    store.complete(regraded, "w", 3, 3, {}, None)
    queued = submit(store, "bruno")
    store.record_fetch("chloe", "s1-bonjour", run=RUN)
    store.record_fetch("chloe", "s1-bonjour", run=RUN)  # twice: still one
    rows = {r["id"]: r for r in store.history(run=RUN)}
    assert (rows[first]["state"], rows[first]["score"], rows[first]["max_score"]) == (
        "done", 3, 3)
    assert (rows[queued]["state"], rows[queued]["score"]) == ("queued", None)
    assert [r["id"] for r in store.history("bruno", run=RUN)] == [queued]
    assert store.fetched(run=RUN) == {("chloe", "s1-bonjour")}
    assert store.fetched("alice", run=RUN) == set()


def test_each_run_has_its_own_submissions_fetches_and_releases(store):
    """Work belongs to the run it was made in: another run's class sees none of it."""
    mine = submit(store, "alice", run=RUN)
    other = submit(store, "alice", run="automne")
    store.record_fetch("alice", "s1-bonjour", run=RUN)
    store.release_hidden("s1-bonjour", "marie", run=RUN)
    assert [r["id"] for r in store.history(run=RUN)] == [mine]
    assert [r["id"] for r in store.history(run="automne")] == [other]
    assert [r["id"] for r in store.submissions_of("alice", run="automne")] == [other]
    assert {r["id"] for r in store.submissions_of("alice", run=None)} == {mine, other}
    assert [r["id"] for r in store.latest_submissions("s1-bonjour", run=RUN)] == [mine]
    assert store.fetched(run="automne") == set()
    assert store.hidden_released("s1-bonjour", run=RUN)
    assert not store.hidden_released("s1-bonjour", run="automne")
    assert store.regrade("s1-bonjour", run="automne")[1] == 1
