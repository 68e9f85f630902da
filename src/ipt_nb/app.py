"""``ipt-nb app``: serve a form or casebook notebook for one case file as a local Voila app.

The notebook is parameterized for the case with papermill (without running it)
into a scratch folder and served from there, bound to 127.0.0.1 only and behind
a fresh random token (the printed and opened address carries it), so other
users of a shared machine cannot open the case, and only a request that
carries the token starts a kernel (``_page_guard``: the login cookie alone would
let a page on another local port start kernels). The case is validated first,
so a bad file is refused before any server starts.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from html import escape
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_runtime_dir

from ._page_guard import CONFIG as PAGE_GUARD
from ._process import PR_SET_PDEATHSIG, die_with_parent
from .casefile import check_file
from .errors import CaseFileError, ServerError, UsageError
from .render._kernel import kit_imports

__all__ = [
    "CONTENT_POLICY",
    "IPC_KERNELS",
    "KERNEL_IDLE_SECONDS",
    "NOTEBOOKS",
    "PROJECT",
    "PR_SET_PDEATHSIG",
    "STOP_SIGNALS",
    "UNUSED_PAGE_EXTENSIONS",
    "VOILA",
    "command",
    "find_notebook",
    "free_port",
    "kit_imports",
    "port_in_use",
    "prepare",
    "serve",
    "spare_kernels",
    "stop",
    "wait_for_port",
]

NOTEBOOKS = {
    "workbench": Path("widgets") / "workbench.ipynb",
    "supervision": Path("casebook") / "supervision.ipynb",
    "exercise": Path("casebook") / "exercise_problem_area.ipynb",
    "class_results": Path("casebook") / "class_results.ipynb",
}
PROJECT = Path(__file__).resolve().parents[2]


def find_notebook(kind: str) -> Path:
    """The notebook of ``kind``, from the current folder or the project this package came from."""
    for root in (Path.cwd(), PROJECT):
        candidate = root / NOTEBOOKS[kind]
        if candidate.is_file():
            return candidate
    raise UsageError(f"cannot find {NOTEBOOKS[kind]}; run ipt-nb app from the project folder")


def free_port(host: str = "127.0.0.1") -> int:
    """A port on ``host`` that nothing listens on now (the kernel picks it; it is bound moments later)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def prepare(case: Path, kind: str, folder: Path, answers: Path | None = None) -> Path:
    """Write the notebook with the case's parameters injected (not executed) into ``folder``."""
    _refuse_invalid(case)
    return _parameterize(case, kind, folder, answers)


def _refuse_invalid(case: Path) -> None:
    report = check_file(case)
    if not report.ok:
        raise CaseFileError(case, report.errors)


def _parameterize(case: Path, kind: str, folder: Path, answers: Path | None) -> Path:
    import papermill  # noqa: PLC0415 (0.3 s: ``serve`` imports it while the server starts)

    source = find_notebook(kind)
    target = folder / source.name
    papermill.execute_notebook(
        source, target, parameters=_parameters(case, kind, answers), prepare_only=True, progress_bar=False
    )
    return target


CONTENT_POLICY = (
    "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; "
    "connect-src 'self' ws://127.0.0.1:* http://127.0.0.1:*; frame-ancestors 'none'; form-action 'self'"
)
"""No request leaves the machine: the page may load only from this server (Voila's templates
would fetch Font Awesome from a CDN; the widgets bring their own icons)."""
UNUSED_PAGE_EXTENSIONS = ["jupyterlab_pygments", "@voila-dashboards/jupyterlab-preview"]
"""JupyterLab extensions installed beside the kit that its pages never use (code is not shown,
and the preview is for JupyterLab itself): each would be one more script for the page to load."""
KERNEL_IDLE_SECONDS = 10
"""A kernel whose page has closed (no browser connected) and that is idle is shut down after this
long, in case the page's own shutdown request never came (a crashed browser, a lost network).
A page that is open keeps its kernel however long it stays idle."""


def _parameters(case: Path, kind: str, answers: Path | None) -> dict[str, str | bool]:
    """Absolute paths: the app serves from a scratch folder that is deleted when it stops.

    The walkthrough's printable week is left out: on a projector the live walkthrough is the
    page, a second, static week under it would only mislead, and drawing its charts held the
    page back by over a second. (``ipt-nb handout`` prints a week.)
    """
    parameters: dict[str, str | bool] = {"case_path": str(case.resolve())}
    if kind == "exercise" and answers is not None:
        parameters["answers_dir"] = str(answers.resolve())
    if kind == "supervision":
        parameters["handout"] = False
    return parameters


def command(notebook: Path, port: int, *, ip: str = "127.0.0.1", config: Path | None = None) -> list[str]:
    """Voila on loopback, asking for a token; the token itself travels in the environment.

    (A command line is visible to every user of the machine; a process's
    environment only to its owner.) Voila must take ``port`` or fail: it would
    otherwise move to the next port while the printed address names this one.
    With ``config``, Voila reads its ``voila.py`` from that folder only (not from
    the working folder, where a ``voila.py`` would shadow the package itself).
    """
    settings = json.dumps({"headers": {"Content-Security-Policy": CONTENT_POLICY}})
    unused = json.dumps(UNUSED_PAGE_EXTENSIONS)
    return [
        sys.executable, "-c", VOILA, str(notebook), "--no-browser", f"--port={port}",
        f"--Voila.ip={ip}", "--Voila.auto_token=True", "--Voila.port_retries=0",
        f"--Voila.tornado_settings={settings}", f"--VoilaConfiguration.extension_denylist={unused}",
        f"--MappingKernelManager.cull_idle_timeout={KERNEL_IDLE_SECONDS}",
        "--MappingKernelManager.cull_interval=5", "--MappingKernelManager.cull_connected=False",
        *(["--KernelManager.transport=ipc"] if IPC_KERNELS else []),
        *([f"--Voila.config_file_paths={config}"] if config is not None else []),
    ]  # fmt: skip


def spare_kernels(notebook: Path, most: int = 4) -> list[str]:
    """Voila options for the app's kernels: one started ahead of each page, in the notebook's
    folder, with the kit's modules that the notebook uses already imported, and at most ``most``
    for open pages (``_kernels.SpareKernelManager``)."""
    return [
        "--VoilaConfiguration.multi_kernel_manager_class=ipt_nb._kernels.SpareKernelManager",
        f"--SpareKernelManager.spare_path={notebook.parent}",
        f"--SpareKernelManager.max_kernels={most}",
        *(f"--SpareKernelManager.warm_modules={name}" for name in kit_imports(notebook)),
    ]


VOILA = (
    "import sys; from ipt_nb._process import skip_slow_imports; skip_slow_imports(); "
    "from ipt_nb._kernels import start_zygote; start_zygote(sys.argv); "
    "from voila.app import main; sys.exit(main())"
)
"""Voila's own entry point after ``skip_slow_imports``, which saves about a second of every start,
and after starting the process that the server's kernels fork from (``_kernels.start_zygote``),
so that its imports run while Voila starts."""


IPC_KERNELS = hasattr(socket, "AF_UNIX") and sys.platform != "win32"
"""Kernels listen on Unix sockets beside their connection files, in the app's private runtime
folder (no TCP port for other local users, no "running over TCP" warning). Each kernel's socket
path comes from its own connection file, so kernels started at once never share one (a fixed
``KernelManager.ip`` would let two starting kernels pick the same path)."""


def _die_with_parent() -> None:
    """In the server's process, before it runs: Linux sends it SIGTERM when ``ipt-nb app`` dies,
    however it dies (``kill -9`` included), and Voila then stops its kernels."""
    os.setsid()
    die_with_parent(signal.SIGTERM)


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts connections on ``port`` at ``host``."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def serve(
    case: Path,
    kind: str = "workbench",
    port: int | None = None,
    *,
    open_browser: bool = True,
    answers: Path | None = None,
) -> int:
    """Run the app until Ctrl-C (or SIGTERM or SIGHUP); returns the exit code.

    The server runs in its own session, so a signal to this process alone would
    not reach it: every way out of here stops it, and stopping is not itself
    interrupted by a second signal.
    """
    if port is not None and port_in_use(port):
        taken, port = port, free_port()
        print(f"port {taken} is in use on 127.0.0.1; serving on port {port} instead", flush=True)
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="ipt-nb-app-") as scratch, _signals_stop_like_ctrl_c():
        _refuse_invalid(case)  # before any server starts
        source = find_notebook(kind)
        notebook = Path(scratch) / source.name
        shutil.copyfile(source, notebook)  # Voila checks at start that it exists; it reads it per page
        config = Path(scratch) / "config"
        config.mkdir()
        (config / "voila.py").write_text(PAGE_GUARD, encoding="utf-8")
        token = secrets.token_urlsafe(24)
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(Path(scratch) / "runtime"), "JUPYTER_TOKEN": token}
        url = f"http://127.0.0.1:{port}/?token={token}"
        server: subprocess.Popen[bytes] | None = None
        page: Path | None = None
        log = Path(scratch) / "server.log"
        try:
            with log.open("wb") as log_file:  # the server's chatter; only our address line is printed
                server = subprocess.Popen(
                    [*command(notebook, port, config=config), *spare_kernels(notebook)],
                    cwd=scratch,
                    env=env,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
                    start_new_session=sys.platform != "linux",
                )
            _parameterize(case, kind, Path(scratch), answers)  # while the server starts; before any page
            try:
                wait_for_port(port, server)
            except ServerError as exc:
                raise ServerError(f"{exc}; its log ends:\n{_tail(log)}") from None
            print(f"serving {case} ({kind}) at {url}  (Ctrl-C stops)", flush=True)
            if open_browser:
                page = _redirect_page(_browser_readable_folder(), url)
                webbrowser.open(page.as_uri())
            code = server.wait()
            if code:
                print(f"the app server stopped with code {code}; its log ends:", file=sys.stderr)
                print(_tail(log), file=sys.stderr)
            return code
        except KeyboardInterrupt:
            print("stopping", flush=True)
            return 0
        finally:
            with _signals_ignored():
                if server is not None:
                    stop(server)
                if page is not None:
                    page.unlink(missing_ok=True)


def _tail(log: Path, lines: int = 20) -> str:
    """The last lines of the server's log, to explain a server that stopped on its own."""
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextmanager
def _signals_handled(numbers: tuple[int, ...], handler: Any) -> Iterator[None]:
    """``handler`` for ``numbers`` inside the block, the previous handlers after it.

    Only the main thread may set handlers; elsewhere (a library caller's
    thread) the block runs with whatever is in place.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, handler) for number in numbers}
    try:
        yield
    finally:
        for number, earlier in previous.items():
            signal.signal(number, earlier)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _signals_stop_like_ctrl_c() -> AbstractContextManager[None]:
    """SIGTERM and SIGHUP (a closed terminal) stop the app as Ctrl-C does."""
    return _signals_handled(STOP_SIGNALS, _interrupt)


def _signals_ignored() -> AbstractContextManager[None]:
    """No signal may cut the server's stop short (a closing terminal often sends several)."""
    return _signals_handled((signal.SIGINT, *STOP_SIGNALS), signal.SIG_IGN)


def _browser_readable_folder() -> Path:
    """Jupyter's runtime folder, in the user's home: a browser packaged as a snap cannot read /tmp."""
    folder = Path(jupyter_runtime_dir())
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _redirect_page(folder: Path, url: str) -> Path:
    """A new page in ``folder``, readable by its owner only, that forwards to ``url``.

    The browser is opened on this file, so the token is not on a command line
    that every user of the machine can list.
    """
    descriptor, name = tempfile.mkstemp(prefix="ipt-nb-app-", suffix=".html", dir=folder)  # mode 0600
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="0;url={escape(url)}"><title>ipt-nb app</title></head>'
            f'<body><a href="{escape(url)}">Open the app</a></body></html>\n'
        )
    return Path(name)


def wait_for_port(
    port: int, server: subprocess.Popen[bytes], timeout: float = 60, *, host: str = "127.0.0.1"
) -> None:
    """Return once ``server`` listens on ``port``; an error if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ServerError(f"the app server exited with code {server.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise ServerError(f"the app server did not listen on port {port} within {timeout:.0f} s")


def stop(*servers: subprocess.Popen[bytes]) -> None:
    """Stop servers and their kernels (each its whole process group), all at once: SIGTERM to every
    group first, then wait, then SIGKILL what is left after 10 s."""
    running = [server for server in servers if server.poll() is None]
    for server in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for server in running:
        try:
            server.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()
