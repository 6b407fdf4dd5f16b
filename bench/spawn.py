"""Spawn benchmark: our platform against stock DockerSpawner, same image, same run.

For each stack, once the machine is quiet: one warm-up spawn, five single spawns one after the
other (median), then a burst of N learners started at once through the hub's REST API. Each
learner's time runs from the start request to JupyterLab's page answering 200 (lab-ready); a
start the hub refuses over its concurrent start limit (ours: concurrent_spawns) is asked again
3 to 10 s later, as the waiting page does.
CPU-seconds per spawn are the whole machine's busy CPU time during the burst divided by N (the
machine is shared: compare the ratio, not the absolute figure). Idle memory is each learner
container's memory (cgroup usage less page cache) 20 s after the burst.

    .venv/bin/python bench/spawn.py [--learners 10]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import docker
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from decoder import origins  # noqa: E402
from decoder.hub import homes  # noqa: E402
from decoder.ops import hubprocess  # noqa: E402
from decoder.settings import PROJECT_ROOT, PlatformSettings, gateway_of  # noqa: E402
from tests.localhost import session  # noqa: E402

OURS_PORT, STOCK_PORT = 28000, 28100
SINGLE_RUNS = 5


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def busy_cpu_seconds() -> float:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Stack:
    """A running hub we can drive with an admin token."""

    def __init__(self, name: str, url: str, token: str, container_prefix: str):
        self.name, self.url, self.container_prefix = name, url, container_prefix
        self.http = session()  # ours: each server on its own origin (*.localhost)
        self.http.headers["Authorization"] = f"token {token}"

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.http.request(method, f"{self.url}/hub/api{path}", timeout=120, **kwargs)

    def spawn_until_lab(self, name: str, results: dict, timeout: float = 300) -> None:
        started = time.monotonic()
        # over the hub's concurrent start limit (429), try again as the waiting page does:
        # 3 to 10 s later, at random (the API's 429 gives no Retry-After)
        while (asked := self.api("POST", f"/users/{name}/server")).status_code == 429:
            time.sleep(random.uniform(3, 10))
        asked.raise_for_status()
        while not self.api("GET", f"/users/{name}").json().get("servers", {}).get("", {}).get(
                "ready"):
            if time.monotonic() - started > timeout:
                raise TimeoutError(name)
            time.sleep(0.1)
        token = self.api("POST", f"/users/{name}/tokens", json={"expires_in": 600}).json()["token"]
        while self.http.get(f"{origins.server_url(self.url, name)}/lab", timeout=60,
                            headers={"Authorization": f"token {token}"}).status_code != 200:
            time.sleep(0.1)
        results[name] = time.monotonic() - started

    def burst(self, names: list[str]) -> tuple[list[float], float]:
        self.api("POST", "/users", json={"usernames": names})
        results: dict[str, float] = {}
        cpu_before = busy_cpu_seconds()
        threads = [threading.Thread(target=self.spawn_until_lab, args=(n, results)) for n in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cpu = (busy_cpu_seconds() - cpu_before) / len(names)
        if len(results) != len(names):
            raise RuntimeError(f"{self.name}: only {len(results)}/{len(names)} learners started")
        return sorted(results.values()), cpu

    def idle_memory_mib(self, names: list[str]) -> list[float]:
        client = docker.from_env()
        usages = []
        for name in names:
            stats = client.containers.get(self.container_prefix + name).stats(stream=False)
            memory = stats["memory_stats"]
            cache = memory.get("stats", {}).get("total_inactive_file",
                                                memory.get("stats", {}).get("inactive_file", 0))
            usages.append((memory["usage"] - cache) / 2**20)
        return usages

    def clean(self, names: list[str]) -> None:
        for name in names:
            self.api("DELETE", f"/users/{name}/server")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and any(
                self.api("GET", f"/users/{n}").json().get("servers") for n in names):
            time.sleep(0.5)
        for name in names:
            self.api("DELETE", f"/users/{name}")


def wait_until_quiet(most_busy_cores: float = 0.3, quiet_for: int = 5,
                     longest: float = 600) -> float:
    """Wait until the machine has been nearly idle for ``quiet_for`` samples of 2 s in a row
    (a hub just started may still be busy: ours prepares each open exercise once, about 10 s
    each, with short lulls between them that one quiet sample took for the end), so that both
    stacks start from the same quiet."""
    started, quiet = time.monotonic(), 0
    while time.monotonic() - started < longest and quiet < quiet_for:
        before = busy_cpu_seconds()
        time.sleep(2)
        quiet = quiet + 1 if (busy_cpu_seconds() - before) / 2 < most_busy_cores else 0
    return time.monotonic() - started


def measure(stack: Stack, learners: int) -> dict:
    print(f"{stack.name}: waited {wait_until_quiet():.0f} s for a quiet machine", flush=True)
    tag = secrets.token_hex(2)
    warm = [f"warm{tag}"]
    stack.burst(warm)
    stack.clean(warm)
    singles = []
    for i in range(SINGLE_RUNS):  # one spawn is noisy on a shared machine: take the median
        single = [f"single{tag}x{i}"]
        singles.append(stack.burst(single)[0][0])
        stack.clean(single)
    single_time = statistics.median(singles)
    names = [f"b{tag}x{i}" for i in range(learners)]
    times, cpu = stack.burst(names)
    time.sleep(20)
    memory = stack.idle_memory_mib(names)
    stack.clean(names)
    return {
        "single": single_time, "p50": statistics.median(times),
        "p95": percentile(times, 0.95), "max": times[-1],
        "cpu": cpu, "memory": statistics.median(memory),
    }


def start_ours(data_dir: Path, extra: dict | None = None) -> tuple[Stack, PlatformSettings]:
    settings = PlatformSettings.load()  # the operator's settings, then the bench's own
    for name, value in {
        "instance": "decoder-bench", "data_dir": str(data_dir), "public_port": OURS_PORT,
        "hub_port": OURS_PORT + 81, "proxy_api_port": OURS_PORT + 1,
        "learner_network": "decoder-bench-learners", "learner_subnet": "172.29.8.0/24",
        "learner_bridge": "decoder-bench0", "course_service_port": OURS_PORT + 82,
        **(extra or {}),
    }.items():
        setattr(settings, name, value)
    hubprocess.prepare(settings)
    hubprocess.start_hub(settings)
    token = settings.path("secrets", "cli_token").read_text().strip()
    return Stack("ours", settings.public_url, token, "decoder-bench-lab-"), settings


def stop_ours(settings: PlatformSettings) -> None:
    """Stop our platform and remove its learners' containers (their homes' filesystem too)."""
    hubprocess.stop_platform(settings)
    for container in hubprocess.learner_containers(settings):
        container.remove(force=True)
    homes.release_filesystem(settings.homes_root, settings.homes_image)


def start_stock(data_dir: Path, proxy: str) -> tuple[Stack, subprocess.Popen]:
    token = secrets.token_hex(32)
    ipam = docker.from_env().networks.get("bridge").attrs["IPAM"]["Config"][0]
    gateway = ipam.get("Gateway") or gateway_of(ipam["Subnet"])
    env = {**os.environ, "BENCH_DATA_DIR": str(data_dir), "BENCH_PORT": str(STOCK_PORT),
           "BENCH_TOKEN": token, "BENCH_IMAGE": "decoder/lab:latest", "BENCH_PROXY": proxy,
           "BENCH_DOCKER_GATEWAY": gateway}
    log = open(data_dir / "jupyterhub.log", "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f",
         str(PROJECT_ROOT / "bench" / "stock_jupyterhub_config.py")],
        cwd=data_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{STOCK_PORT}"
    for _ in range(240):
        try:
            if requests.get(url + "/hub/health", timeout=2).status_code == 200:
                return Stack("stock", url, token, "bench-stock-"), process
        except requests.RequestException:
            pass
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError(f"the stock hub did not start: see {data_dir / 'jupyterhub.log'}")


def report(ours: dict, stock: dict, learners: int) -> str:
    rows = [("single spawn (s)", "single"), (f"burst of {learners}: p50 (s)", "p50"),
            (f"burst of {learners}: p95 (s)", "p95"), (f"burst of {learners}: max (s)", "max"),
            ("CPU-seconds per spawn", "cpu"), ("idle memory per learner (MiB)", "memory")]
    lines = [f"{'':34} {'ours':>8} {'stock':>8} {'ours/stock':>10}"]
    for label, key in rows:
        lines.append(f"{label:34} {ours[key]:8.2f} {stock[key]:8.2f} "
                     f"{ours[key] / stock[key]:10.2f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="decoder-bench-") as tmp:
        ours_dir, stock_dir = Path(tmp, "ours"), Path(tmp, "stock")
        ours_dir.mkdir(), stock_dir.mkdir()
        stack, settings = start_ours(ours_dir)
        try:
            ours = measure(stack, args.learners)
            print("ours:", {k: round(v, 2) for k, v in ours.items()}, flush=True)
        finally:
            stop_ours(settings)
        stock_stack, process = start_stock(stock_dir, settings.proxy_command[0])
        try:
            stock = measure(stock_stack, args.learners)
            print("stock:", {k: round(v, 2) for k, v in stock.items()}, flush=True)
        finally:
            process.terminate()
            process.wait(30)
        for volume in docker.from_env().volumes.list():
            if volume.name.startswith("decoder-bench-home-"):
                volume.remove(force=True)
    print(report(ours, stock, args.learners))
    return 0


if __name__ == "__main__":
    sys.exit(main())
