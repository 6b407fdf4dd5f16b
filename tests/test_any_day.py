"""The suite passes on any day, and the demo is mid-course whichever day it is first started.

The tests that read a clock or a date run again in processes whose clock libfaketime (Debian's
``faketime``) moves far back, far ahead and onto awkward days (a change of summer time in Paris,
a leap day near midnight); and the step of ``decoder up`` that makes the demo's run, followed by
``decoder run``, runs under two faked days on a platform that never saw the project. Nothing is
mocked: the same code reads the faked clock through the C library.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from decoder.settings import PROJECT_ROOT

pytestmark = pytest.mark.clock

DAYS = ["2026-01-15 07:00:00",   # far back: before the course's first run
        "2027-03-28 00:30:00",   # Paris's change to summer time, that night
        "2028-02-29 22:30:00",   # a leap day, late in the evening (UTC)
        "2028-11-30 23:45:00"]   # far ahead
DATED_TESTS = ["tests/unit/test_runs.py", "tests/unit/test_course_file.py",
               "tests/unit/test_dates_late.py", "tests/unit/test_dashboard.py",
               "tests/unit/test_submission_rules.py", "tests/unit/test_peer_allocation.py",
               "tests/unit/test_badges.py", "tests/unit/test_peer_scoring.py",
               "tests/course/test_content.py::test_the_rhythm_holds_in_every_run_of_the_next_two_years"]


def faked(day: str, command: list[str], env: dict | None = None,
          timeout: float = 600) -> subprocess.CompletedProcess:
    """``command`` with its clock starting at ``day`` (UTC) and running from there."""
    if not shutil.which("faketime"):
        pytest.fail("Debian's faketime is missing: scripts/bootstrap.sh --test installs it")
    return subprocess.run(["faketime", "-f", f"@{day}", *command], cwd=PROJECT_ROOT,
                          env={**os.environ, "TZ": "UTC", **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def test_the_faked_clock_is_the_one_python_reads():
    done = faked(DAYS[-1], [sys.executable, "-c",
                            "import datetime; print(datetime.date.today())"])
    assert done.stdout.strip() == "2028-11-30"


@pytest.mark.parametrize("day", DAYS)
def test_the_date_dependent_tests_pass_on_this_day(day):
    # (the operator's command is run under faked days by the test below)
    done = faked(day, [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                       "-m", "not docker", "-k", "not decoder_run_starts", *DATED_TESTS])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


@pytest.mark.parametrize("day", [DAYS[1], DAYS[3]])
def test_a_new_platform_started_on_this_day_has_its_peer_review_open(tmp_path, day):
    """What ``decoder up`` does first on a machine that never ran the project
    (hubprocess.prepare's ensure_course_run), then what ``decoder run`` shows that day."""
    config = tmp_path / "decoder_config.py"
    config.write_text(f"c.PlatformSettings.data_dir = {str(tmp_path / 'data')!r}\n")
    env = {"DECODER_CONFIG": str(config)}
    made = faked(day, [sys.executable, "-c",
                       "from decoder.ops.hubprocess import ensure_course_run\n"
                       "from decoder.settings import PlatformSettings\n"
                       "print(ensure_course_run(PlatformSettings.load()).run)"], env)
    assert made.returncode == 0 and "Run(name='demo'" in made.stdout, made.stderr
    shown = faked(day, [sys.executable, "-m", "decoder.ops.cli", "run"], env)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert "  week 1 (Qu'est-ce que le code ?): due, peer review open" in lines
    assert "  week 2 (Décider et répéter): open, due ahead" in lines
    assert "  week 3 (Ranger et réutiliser): not open yet" in lines
