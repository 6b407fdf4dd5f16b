"""Capacity benchmark: how many learners with running servers this machine holds while the hub
stays responsive (issue 22; target: at least 200 on a 2-core / 24 GiB machine).

Learners arrive in waves. Each one's server is started through the hub's REST API (a start the
hub refuses over its start limit is asked again 3-10 s later, as the waiting page does), then a
kernel is started in it and one cell run, as a learner opening a lesson does; the kernel stays.
After each wave, once the machine is quiet: the hub's API p95 over 50 requests, the p95 of 50
requests to learners' servers through the proxy, the machine's memory in use, the hub's and the
proxy's resident memory and the hub's CPU while the learners sit idle. The run ends when the
hub's API p95 passes 500 ms, when the platform refuses a start (its server limit, or its memory
guard: the figure the operator gets), or at --most.

Ours only, with the operator's settings (max_active_servers, memory_overcommit, the memory
guard): the stock stack holds 19 here, its server limit set from memory as ours was before.

    .venv/bin/python bench/capacity.py [--wave 20] [--most 300] [--server-limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import websocket

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.spawn import Stack, percentile, start_ours, stop_ours, wait_until_quiet  # noqa: E402
from decoder import origins  # noqa: E402
from decoder.hub.memory import read_memory  # noqa: E402
from decoder.hub.spawner import DEFAULT_MEM_LIMIT, active_server_limit  # noqa: E402
from decoder.ops import hubprocess  # noqa: E402
from tests.hubclient import execute_request  # noqa: E402
from tests.localhost import resolved  # noqa: E402

API_P95_LIMIT = 0.5
STARTING_AT_ONCE = 8  # the hub's start limit on this machine (concurrent_spawns)


class Refused(RuntimeError):
    """The platform refused a start: its server limit or its memory guard."""


def start_server(stack: Stack, name: str, patience: float = 120) -> None:
    """Start ``name``'s server and wait until it is ready; 429 from the start limit is asked
    again, 429 or 503 that lasts (a limit that stays) is a refusal."""
    asked_since = time.monotonic()
    while (asked := stack.api("POST", f"/users/{name}/server")).status_code in (429, 503):
        message = asked.json().get("message", "")
        if "mémoire" in message or "memory" in message:
            raise Refused(f"memory guard: {message}")
        if time.monotonic() - asked_since > patience:
            raise Refused(f"{asked.status_code} for {patience:.0f} s: {message}")
        time.sleep(random.uniform(3, 10))
    if asked.status_code >= 400:
        raise Refused(f"{asked.status_code}: {asked.text[:200]}")
    deadline = time.monotonic() + 300
    while not (stack.api("GET", f"/users/{name}").json().get("servers", {})
               .get("", {}).get("ready")):
        if time.monotonic() > deadline:
            raise TimeoutError(name)
        time.sleep(0.2)


def run_one_cell(stack: Stack, name: str, token: str) -> None:
    """Start a kernel in the learner's server and run one cell over its websocket."""
    server = origins.server_url(stack.url, name)
    headers = {"Authorization": f"token {token}"}
    while stack.http.get(f"{server}/lab", headers=headers, timeout=60).status_code != 200:
        time.sleep(0.2)
    kernel = stack.http.post(f"{server}/api/kernels", json={"name": "python3"},
                             headers=headers, timeout=60)
    kernel.raise_for_status()
    target, host = resolved(f"{server}/api/kernels/{kernel.json()['id']}/channels")
    ws = websocket.create_connection(
        target.replace("http", "ws", 1), header=[f"Authorization: token {token}"],
        timeout=120, **({"host": host, "origin": "http://" + host} if host else {}))
    try:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps(execute_request(msg_id, "print(sum(range(10)))")))
        while True:
            message = json.loads(ws.recv())
            if (message.get("parent_header", {}).get("msg_id") == msg_id
                    and message["msg_type"] == "stream"):
                assert message["content"]["text"].strip() == "45", message
                return
    finally:
        ws.close()


def arrive(stack: Stack, name: str, tokens: dict) -> None:
    start_server(stack, name)
    token = stack.api("POST", f"/users/{name}/tokens",
                      json={"expires_in": 3 * 3600}).json()["token"]
    run_one_cell(stack, name, token)
    tokens[name] = token


def api_p95(stack: Stack, names: list[str], count: int = 50) -> float:
    times = []
    for name in random.choices(names, k=count):
        began = time.monotonic()
        stack.api("GET", f"/users/{name}").raise_for_status()
        times.append(time.monotonic() - began)
    return percentile(times, 0.95)


def servers_p95(stack: Stack, tokens: dict, count: int = 50) -> float:
    times = []
    for name in random.choices(list(tokens), k=count):
        began = time.monotonic()
        stack.http.get(f"{origins.server_url(stack.url, name)}/api/status", timeout=60,
                       headers={"Authorization": f"token {tokens[name]}"}).raise_for_status()
        times.append(time.monotonic() - began)
    return percentile(times, 0.95)


def process_figures(pid: int) -> tuple[float, float]:
    """(CPU-seconds used so far, resident MiB) of one process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    return cpu, rss


def hub_idle_cpu(pid: int, seconds: float = 20) -> float:
    """The hub's share of one core while nobody asks anything (polls, activity, culler)."""
    before = process_figures(pid)[0]
    time.sleep(seconds)
    return (process_figures(pid)[0] - before) / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wave", type=int, default=20)
    parser.add_argument("--most", type=int, default=300)
    parser.add_argument("--server-limit", type=int, default=None,
                        help="max_active_servers for this run (default: the operator's)")
    args = parser.parse_args()
    extra = {"signups_per_address_per_hour": 10_000}
    if args.server_limit is not None:
        extra["max_active_servers"] = args.server_limit
    with tempfile.TemporaryDirectory(prefix="decoder-bench-capacity-") as tmp:
        stack, settings = start_ours(Path(tmp), extra)
        try:
            print(f"waited {wait_until_quiet():.0f} s for a quiet machine", flush=True)
            hub, proxy = hubprocess.hub_pid(settings), hubprocess.proxy_pid(settings)
            memory_before = read_memory()
            hub_cpu_before = process_figures(hub)[0]
            tokens: dict[str, str] = {}
            print(f"{'learners':>8} {'hub API p95':>12} {'servers p95':>12} "
                  f"{'MiB/learner':>12} {'hub MiB':>8} {'proxy MiB':>9} {'hub CPU':>8}",
                  flush=True)
            stopped = f"--most {args.most} reached"
            while len(tokens) < args.most:
                names = [f"cap{len(tokens) + i:03d}"
                         for i in range(min(args.wave, args.most - len(tokens)))]
                stack.api("POST", "/users", json={"usernames": names}).raise_for_status()
                with ThreadPoolExecutor(max_workers=STARTING_AT_ONCE) as pool:
                    outcomes = list(pool.map(
                        lambda name: _try(arrive, stack, name, tokens), names))
                wait_until_quiet(quiet_for=3, longest=300)
                held = len(tokens)
                used = (memory_before.available - read_memory().available) / 2 ** 20
                api, servers = api_p95(stack, list(tokens)), servers_p95(stack, tokens)
                print(f"{held:8d} {api * 1000:10.0f}ms {servers * 1000:10.0f}ms "
                      f"{used / held:12.0f} {process_figures(hub)[1]:8.0f} "
                      f"{process_figures(proxy)[1]:9.0f} {hub_idle_cpu(hub) * 100:7.1f}%",
                      flush=True)
                refusals = [outcome for outcome in outcomes if outcome]
                if refusals:
                    stopped = f"a start refused: {refusals[0]}"
                    break
                if api > API_P95_LIMIT:
                    stopped = f"hub API p95 {api * 1000:.0f} ms passed 500 ms"
                    break
            print(f"\nheld {len(tokens)} learners, each with a kernel ({stopped}); "
                  f"server limit {active_server_limit(settings, DEFAULT_MEM_LIMIT)}; "
                  "hub CPU over the run "
                  f"{process_figures(hub)[0] - hub_cpu_before:.0f} s "
                  f"(target: at least 200 learners)")
        finally:
            stop_ours(settings)
    return 0


def _try(function, *args) -> str:
    """What refused the learner's arrival, or '' when they are in."""
    try:
        function(*args)
        return ""
    except (Refused, TimeoutError) as error:
        return str(error)


if __name__ == "__main__":
    sys.exit(main())
