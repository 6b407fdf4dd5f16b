"""A throwaway PostgreSQL server for tests: Debian's postgresql binaries, a cluster in a temp
folder, reached only through a Unix socket in that folder, stopped at the end."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    def __init__(self):
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("no PostgreSQL here: scripts/bootstrap.sh --test installs it")
        self.folder = Path(tempfile.mkdtemp(prefix="decoder-pg-"))
        self.data = self.folder / "data"

    def _as_postgres(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                          "-U", "postgres")
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                          str(self.folder / "log"), "-o",
                          f"-k {self.folder} -c listen_addresses='' -c fsync=on", "start")
        return f"postgresql+psycopg2://postgres@/postgres?host={self.folder}"

    def stop(self) -> None:
        try:
            self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                              "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
