"""A stand-in service for tests/unit/test_trust.py: waits, and writes how it was stopped."""

import signal
import sys
import time
from pathlib import Path

marker = Path(sys.argv[1])


def stopped(number, _frame):
    marker.write_text(signal.Signals(number).name)
    sys.exit(0)


signal.signal(signal.SIGTERM, stopped)
Path(str(marker) + ".ready").write_text("")
time.sleep(60)
