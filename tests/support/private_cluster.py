"""A private PostgreSQL cluster of the tests' own, for faults that must not disturb the shared server.

Restarting or killing the machine's PostgreSQL would break every other test (and every other person's
session); a private cluster on a free port, built from the same PostgreSQL + PostGIS binaries, can be
stopped and restarted at will. Durability settings stay at their safe defaults: the fault tests check
that acknowledged data survives.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from tests.support.live_server import free_port


def _bin_dir() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").iterdir(), key=lambda p: int(p.name))
    return versions[-1] / "bin"


def _as_postgres(*args: str) -> subprocess.CompletedProcess[str]:
    command = list(args) if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True)


@dataclass
class PrivateCluster:
    data_dir: Path
    port: int
    log: Path

    @property
    def server_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        _as_postgres(str(_bin_dir() / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log), *args)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data_dir.parent} -c listen_addresses=127.0.0.1"
        self._ctl("-w", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-w", "-m", mode, "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    root = Path(tempfile.mkdtemp(prefix="whistle-pg-", dir="/tmp"))
    root.chmod(0o755)
    data = root / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data, "postgres")
    cluster = PrivateCluster(data_dir=data, port=free_port(), log=root / "server.log")
    _as_postgres(str(_bin_dir() / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
    cluster.start()
    try:
        yield cluster
    finally:
        with suppress(subprocess.CalledProcessError):
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
