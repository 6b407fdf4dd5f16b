"""Results worked out once per state of the data (pure bookkeeping, no I/O).

The dashboard and the export read the whole class (20,000 submissions for 1,000 learners × 20
exercises): worked out at each request, 20 instructors' tabs would each wait seconds. Each
result is kept under a key that names the state of the data it was made from (the stores'
version, the class, the minute); a request whose key is known gets the kept result, and requests
arriving together for a new key wait for one computation instead of all doing it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class Snapshots:
    def __init__(self, keep: int = 16):
        self.keep = keep
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()
        self._working: dict[Hashable, threading.Event] = {}

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        while True:
            with self._lock:
                if key in self._kept:
                    self._kept.move_to_end(key)
                    return self._kept[key]
                working = self._working.get(key)
                if working is None:
                    working = self._working[key] = threading.Event()
                    break
            working.wait()  # another request is working it out; then look again
        try:
            value = compute()
            with self._lock:
                self._kept[key] = value
                while len(self._kept) > self.keep:
                    self._kept.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._working.pop(key).set()
