"""The options of `decoder worker` (remote_worker.py), apart so that the `decoder` command
builds its parser without importing nbgrader."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--queue", required=True, help="the course service's grading queue, "
                        "http://HOST:PORT (its grading_queue_address)")
    parser.add_argument("--token-file", type=Path, default=Path("grading-queue-token"),
                        help="the queue's token, copied from the service's data_dir/secrets/"
                        "grading-queue-token (default: ./grading-queue-token)")
    parser.add_argument("--work-dir", type=Path, default=Path("/var/lib/decoder-worker"),
                        help="where masters, prepared assignments and logs are kept "
                        "(default: /var/lib/decoder-worker)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="grading workers on this host (default: one per CPU core)")
    parser.add_argument("--sandboxes-ahead", type=int, default=2,
                        help="sandboxes each worker starts ahead of its next jobs (default: 2)")


def worker_command(args) -> list[str]:
    return [sys.executable, "-m", "decoder.service.remote_worker", "--queue", args.queue,
            "--token-file", str(args.token_file), "--work-dir", str(args.work_dir),
            "--sandboxes-ahead", str(args.sandboxes_ahead)]
