"""Class session benchmark: a group of learners whose servers were started ahead of their
session (decoder/hub/prestart.py) log in at once through the login form, as a class at 9:00 does.

Ours only (stock JupyterHub has no class sessions; the cold burst against stock is
bench/spawn.py). Measured on one platform, once the machine is quiet:

- the prestart: the group's servers started by ``prestart_group`` (``prestart_concurrency`` at a
  time), its length and CPU-seconds per server;
- the class logging in: every learner posts the login form at the same moment (each has loaded
  the login page before, as a person has), and the time runs until their JupyterLab's page
  answers 200, through the hub's OAuth to their own origin. Target (issue 22): p95 under 1 s.

    .venv/bin/python bench/class_session.py [--learners 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.spawn import busy_cpu_seconds, percentile, start_ours, stop_ours, wait_until_quiet  # noqa: E402
from decoder.hub.accounts import signed_up  # noqa: E402
from decoder.hub.prestart import prestart_group  # noqa: E402
from decoder.hubapi import HubAPI  # noqa: E402
from decoder.ops.groups import fill_group  # noqa: E402
from tests.hubclient import Learner  # noqa: E402

PASSWORD = "mot-de-passe-solide"


def login_to_lab(learner: Learner, times: dict, start: threading.Event) -> None:
    xsrf = learner._hub_xsrf()  # the login page, loaded before the class begins
    start.wait()
    began = time.monotonic()
    answer = learner.http.post(f"{learner.base_url}/hub/login?next=",
                               data={"username": learner.name, "password": PASSWORD,
                                     "_xsrf": xsrf}, allow_redirects=False, timeout=60)
    if answer.status_code != 302:
        raise RuntimeError(f"{learner.name}: login answered {answer.status_code}")
    if learner.open_lab().status_code == 200:
        times[learner.name] = time.monotonic() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=30)
    args = parser.parse_args()
    names = [f"classe{i:02d}" for i in range(args.learners)]
    with tempfile.TemporaryDirectory(prefix="decoder-bench-class-") as tmp:
        stack, settings = start_ours(Path(tmp), {
            "max_active_servers": args.learners + 5, "signups_per_address_per_hour": 10_000})
        try:
            learners = [Learner(settings.public_url, name, PASSWORD) for name in names]
            for learner in learners:
                learner.signup()
            hub = HubAPI.for_cli(settings)
            filled = fill_group(hub, "bench-classe", names, set(), signed_up(settings, names))
            assert len(filled.added) == args.learners, filled
            print(f"waited {wait_until_quiet():.0f} s for a quiet machine", flush=True)
            cpu, began = busy_cpu_seconds(), time.monotonic()
            report = prestart_group(hub, "bench-classe", settings, say=lambda _: None)
            prestart_s, cpu = time.monotonic() - began, busy_cpu_seconds() - cpu
            assert not report.failed, report.summary()
            print(f"prestart of {args.learners}: {prestart_s:.1f} s "
                  f"({settings.prestart_concurrency} at a time), "
                  f"{cpu / args.learners:.2f} CPU-s per server", flush=True)
            print(f"waited {wait_until_quiet():.0f} s for a quiet machine", flush=True)
            times: dict[str, float] = {}
            start = threading.Event()
            threads = [threading.Thread(target=login_to_lab, args=(learner, times, start))
                       for learner in learners]
            for thread in threads:
                thread.start()
            time.sleep(5)  # every login page loaded
            start.set()
            for thread in threads:
                thread.join()
            if len(times) != args.learners:
                raise RuntimeError(f"only {len(times)}/{args.learners} reached JupyterLab")
            values = list(times.values())
            print(f"class of {args.learners} logging in at once, login -> JupyterLab: "
                  f"p50 {statistics.median(values):.2f} s, p95 {percentile(values, 0.95):.2f} s, "
                  f"max {max(values):.2f} s (target: p95 under 1 s)")
        finally:
            stop_ours(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
