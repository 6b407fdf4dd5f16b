"""Run a Python module as a child that ends with its parent: ``python -m decoder.hub.childof
MODULE ARGS...``.

The hub starts its services (the course service, the formgrader, the idle culler). When the hub
is killed outright (SIGKILL, an out-of-memory kill), its children would live on as orphans,
holding their ports with tokens the next hub no longer honours, so the restarted hub's own
services could not start. Linux's parent-death signal ends them with SIGTERM (their usual,
clean stop) the moment the hub dies.
"""

from __future__ import annotations

import ctypes
import os
import runpy
import signal
import sys

PR_SET_PDEATHSIG = 1  # <sys/prctl.h>


def end_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask the kernel for ``sig`` when the parent dies; exit now if it already has."""
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if parent == 1 or os.getppid() != parent:  # the parent died before the request
        sys.exit(0)


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m decoder.hub.childof MODULE [ARGS...]")
    end_with_parent()
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
