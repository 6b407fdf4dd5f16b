"""Results worked out once per state of the data (decoder/service/snapshots.py)."""

from __future__ import annotations

import threading
import time

from decoder.service.snapshots import Snapshots


def test_requests_together_share_one_computation():
    snapshots, calls = Snapshots(), []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return "page"

    found = []
    threads = [threading.Thread(target=lambda: found.append(snapshots.get(("v", 1), slow)))
               for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == ["page"] * 10 and len(calls) == 1


def test_a_new_state_is_worked_out_again_and_old_ones_are_let_go():
    snapshots = Snapshots(keep=2)
    assert snapshots.get(1, lambda: "a") == "a"
    assert snapshots.get(1, lambda: "changed") == "a"  # same state: kept
    assert snapshots.get(2, lambda: "b") == "b"
    assert snapshots.get(3, lambda: "c") == "c"
    assert snapshots.get(1, lambda: "again") == "again"  # let go, worked out anew


def test_a_failed_computation_is_not_kept_and_does_not_block_others():
    snapshots = Snapshots()

    def fails():
        raise RuntimeError("database away")

    try:
        snapshots.get("k", fails)
    except RuntimeError:
        pass
    assert snapshots.get("k", lambda: "ok") == "ok"
