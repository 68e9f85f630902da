"""``ipt-nb class serve``: the class exercise for a room of students, each in their own browser.

Two Voila servers, both behind tokens of their own:

- the **students'** server serves the exercise notebook prepared for each case
  (one page per case; a page is one student's kernel, so nobody shares a
  session), with kernels pre-started (``--pool`` per case) so a student who
  joins gets a page that has already run; a kernel is released once its page
  has closed. It listens on loopback unless ``--host`` opens it to the room.
- the **educator's** server, always on loopback, serves the class results
  notebook over the same answers folder: who has handed in and what the class
  chose (names hidden until asked).

Answers land in the folder the educator chose, one file per student and case
(:mod:`ipt_nb.classroom`); the prepared notebooks live in a scratch folder that
is deleted on exit, so the repository is never written to.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import papermill

from .app import (
    _die_with_parent,
    _signals_ignored,
    _signals_stop_like_ctrl_c,
    command,
    find_notebook,
    free_port,
    port_in_use,
    stop,
    wait_for_port,
)
from .casefile import check_file
from .classroom import CLASS_POOL
from .errors import CaseFileError, ServerError, UsageError

MAX_POOL = 60


@dataclass(frozen=True)
class ClassAddresses:
    """Where the students and the educator open the exercise (each address carries its token)."""

    students: list[str]
    educator: str


def room_address() -> str:
    """This machine's address on the local network (no packet is sent: a UDP socket is only aimed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def check_answers_folder(answers: Path) -> Path:
    """The answers folder, created if its parent exists; never inside the casebook."""
    casebook = (Path.cwd() / "casebook").resolve()
    resolved = answers.resolve()
    if resolved == casebook or casebook in resolved.parents:
        raise UsageError(f"--answers {answers} is inside casebook/; choose a folder of the class's own")
    if not answers.exists():
        if not answers.parent.is_dir():
            raise UsageError(f"--answers {answers}: its folder {answers.parent} does not exist")
        answers.mkdir()
    if not answers.is_dir():
        raise UsageError(f"--answers {answers} is not a folder")
    return answers


def prepare_class(cases: list[Path], answers: Path, scratch: Path) -> tuple[Path, Path, list[str]]:
    """Write one exercise notebook per case into ``scratch/students`` and the results notebook into
    ``scratch/educator``; returns both folders and the case ids, in order."""
    students, educator, copies = scratch / "students", scratch / "educator", scratch / "cases"
    for folder in (students, educator, copies):
        folder.mkdir()
    ids: list[str] = []
    for case in cases:
        report = check_file(case)
        if report.case is None:
            raise CaseFileError(case, report.errors)
        case_id = report.case.id
        if case_id in ids:
            raise UsageError(f"{case}: a second case with the id {case_id!r}; give each case once")
        ids.append(case_id)
        shutil.copyfile(case, copies / f"{case_id}.yaml")
        parameters = {"case_path": str(case.resolve()), "answers_dir": str(answers.resolve())}
        papermill.execute_notebook(
            find_notebook("exercise"), students / f"{case_id}.ipynb",
            parameters=parameters, prepare_only=True, progress_bar=False,
        )  # fmt: skip
    papermill.execute_notebook(
        find_notebook("class_results"), educator / "class_results.ipynb",
        parameters={"answers_dir": str(answers.resolve()), "cases_dir": str(copies)},
        prepare_only=True, progress_bar=False,
    )  # fmt: skip
    return students, educator, ids


def students_command(folder: Path, host: str, port: int, pool: int) -> list[str]:
    """Voila over the folder of exercise notebooks, with ``pool`` pre-started kernels per notebook."""
    base = command(folder, port, ip=host)
    if pool > 0:
        base += [
            "--preheat_kernel=True",
            f"--pool_size={pool}",
            "--VoilaConfiguration.multi_kernel_manager_class=ipt_nb._kernels.ReleasingKernelManager",
        ]
    return base


def _start(arguments: list[str], scratch: Path, token: str, name: str) -> subprocess.Popen[bytes]:
    """A Voila server in its own session that dies with this process; its log goes to the scratch
    folder (``name``.log), so a pipe nobody reads can never block it."""
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(scratch / f"rt-{name[0]}"), "JUPYTER_TOKEN": token}
    with (scratch / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            arguments, cwd=scratch, env=env, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
            start_new_session=sys.platform != "linux",
        )  # fmt: skip


def serve_class(
    cases: list[Path],
    answers: Path,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    pool: int = CLASS_POOL,
) -> int:
    """Serve the exercise for ``cases`` until Ctrl-C (or SIGTERM, or SIGHUP); returns the exit code."""
    if not cases:
        raise UsageError("give at least one case file")
    if not 0 <= pool <= MAX_POOL:
        raise UsageError(f"--pool must be 0 to {MAX_POOL}, not {pool}")
    missing = [str(c) for c in cases if not c.is_file()]
    if missing:
        raise UsageError(f"no such file: {missing[0]}")
    answers = check_answers_folder(answers)
    if port is not None and port_in_use(port, host):
        raise UsageError(f"port {port} is in use on {host}; choose another or leave --port out")
    port = port or free_port(host)
    with tempfile.TemporaryDirectory(prefix="ipt-nb-class-") as folder, _signals_stop_like_ctrl_c():
        scratch = Path(folder)
        students, educator, ids = prepare_class(cases, answers, scratch)
        student_token, educator_token = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        educator_port = free_port()
        servers: list[subprocess.Popen[bytes]] = []
        try:
            student_server = students_command(students, host, port, pool)
            servers.append(_start(student_server, scratch, student_token, "students"))
            educator_server = command(educator / "class_results.ipynb", educator_port)
            servers.append(_start(educator_server, scratch, educator_token, "educator"))
            try:
                wait_for_port(port, servers[0], host=_probe_host(host))
                wait_for_port(educator_port, servers[1])
            except ServerError as exc:
                raise ServerError(f"{exc}; its log ended with:\n{_log_tail(scratch)}") from exc
            shown = room_address() if host in ("0.0.0.0", "") else host
            addresses = ClassAddresses(
                students=[f"http://{shown}:{port}/voila/render/{i}.ipynb?token={student_token}" for i in ids],
                educator=f"http://127.0.0.1:{educator_port}/?token={educator_token}",
            )
            _announce(addresses, ids, answers, host, pool)
            return servers[0].wait()
        except KeyboardInterrupt:
            print("stopping", flush=True)
            return 0
        finally:
            with _signals_ignored():
                stop(*servers)


def _log_tail(scratch: Path, lines: int = 8) -> str:
    """The last lines of both servers' logs (the scratch folder, and they, are gone after exit)."""
    tails = []
    for name in ("students", "educator"):
        log = scratch / f"{name}.log"
        text = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []
        tails += [f"  {name}: {line}" for line in text[-lines:]]
    return "\n".join(tails) or "  (empty)"


def _probe_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else host


def _announce(addresses: ClassAddresses, ids: list[str], answers: Path, host: str, pool: int) -> None:
    print(f"class exercise for {len(ids)} case(s); answers go to {answers.resolve()}", flush=True)
    for case_id, url in zip(ids, addresses.students, strict=True):
        print(f"students, case {case_id}: {url}", flush=True)
    print(f"educator (who has handed in; keep this address to yourself): {addresses.educator}", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            "This is open to the network: anyone who has a student address, token included, can open "
            "the exercise and hand in under any pseudonym. The traffic is not encrypted (http). Share "
            "the address only with the class, in the room, and stop the server after class.",
            flush=True,
        )
    if pool:
        print(f"{pool} kernel(s) per case are starting in the background for the first students", flush=True)
    print("Ctrl-C stops both servers; the answers stay in the folder", flush=True)


__all__ = [
    "ClassAddresses",
    "check_answers_folder",
    "prepare_class",
    "room_address",
    "serve_class",
    "students_command",
]
