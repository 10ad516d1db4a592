"""A PostgreSQL server for the room's tests and benchmarks.

``$CASESTUDY_TEST_PG_URL`` when it is set (``.ci/run`` sets it, after starting Debian's
cluster). Otherwise, when Debian's server binaries are installed
(``/usr/lib/postgresql/<version>/bin/initdb``), a throwaway cluster: a fresh data folder
under the system's temporary folder, on a free loopback port, with a random password,
stopped and deleted at the end. So ``make test`` needs no set-up beyond
``apt-get install postgresql``. PostgreSQL refuses to run as root, so as root the cluster
runs as the ``postgres`` user that Debian's package creates. ``fsync=off``: a throwaway
cluster need not survive a power cut (a killed process loses nothing either way).

Each test works in a schema of its own (``search_path`` in the URL), as each SQLite test has
a folder of its own; the schemas are dropped at the end, so tests, runs and parallel workers
never see each other's rooms.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

URL_ENV = "CASESTUDY_TEST_PG_URL"
BINARIES = "/usr/lib/postgresql/*/bin"


def binaries() -> Path | None:
    """The newest Debian PostgreSQL server's bin folder, or None."""
    found = [p for p in Path("/").glob(BINARIES.lstrip("/")) if (p / "initdb").is_file()]
    version = lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)]
    return max(found, key=version) if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster; ``url`` once started, gone after ``stop()``."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="casestudy-pg-"))
        self.data = self.folder / "data"
        self.url = ""
        self._as: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root and there is no 'postgres' user to run "
                                   "a PostgreSQL cluster as") from None
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self._as, *command], capture_output=True, text=True, timeout=120,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-500:]}")

    def start(self) -> str:
        password = secrets.token_hex(16)
        pwfile = self.folder / "pwfile"
        pwfile.write_text(password + "\n")
        if self._as:
            owner = pwd.getpwnam("postgres")
            os.chown(pwfile, owner.pw_uid, owner.pw_gid)
        pwfile.chmod(0o600)
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "kit",
                  f"--pwfile={pwfile}", "-A", "scram-sha-256", "-E", "UTF8", "--no-locale",
                  "--no-sync")
        pwfile.unlink()
        port = _free_port()
        options = (f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=200")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l",
                  str(self.folder / "log"), "-w", "-t", "60", "-o", options, "start")
        self.url = f"postgresql://kit:{password}@127.0.0.1:{port}/postgres"
        return self.url

    def stop(self) -> None:
        if self.data.exists():
            try:
                self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                          "-w", "stop")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


def reachable(url: str) -> str | None:
    """None when ``url`` answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL at {_hidden(url)} does not answer: {str(exc).strip()[:300]}"
    return None


def _hidden(url: str) -> str:
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def with_schema(url: str, schema: str) -> str:
    """``url`` working in ``schema`` (its search_path), for the store and for psycopg."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


class Server:
    """Where the tests' PostgreSQL is, with a schema of this run's own; ``why_not`` when
    there is none."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.why_not: str | None = None
        self._cluster: Cluster | None = None
        self._base = os.environ.get(URL_ENV, "").strip()
        self._schemas: list[str] = []

    def start(self) -> Server:
        if not self._base:
            bin_dir = binaries()
            if bin_dir is None:
                self.why_not = (f"no PostgreSQL: set {URL_ENV} to a postgresql:// URL, or "
                                "install Debian's server (apt-get install -y postgresql) and "
                                "the tests start a throwaway one")
                return self
            try:
                self._cluster = Cluster(bin_dir)
                self._base = self._cluster.start()
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                self.stop()
                self.why_not = f"could not start a throwaway PostgreSQL from {bin_dir}: {exc}"
                return self
        self.why_not = reachable(self._base)
        if self.why_not is None:
            self.url = self.fresh_url()
        return self

    def fresh_url(self) -> str:
        """The server's URL in a new, empty schema of its own (dropped by ``stop()``)."""
        schema = f"casestudy_test_{secrets.token_hex(6)}"
        self._execute(f"CREATE SCHEMA {schema}")
        self._schemas.append(schema)
        return with_schema(self._base, schema)

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self._base.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(sql)

    def stop(self) -> None:
        for schema in self._schemas:
            try:
                self._execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            except Exception:  # noqa: BLE001 - the server may be gone already
                break
        self._schemas, self.url = [], None
        if self._cluster is not None:
            self._cluster.stop()
            self._cluster = None
