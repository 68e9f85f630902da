"""Fresh kernels for little: forked from a warm process that has imported the kit but never run a case.

Every case gets a kernel no other case has touched. Clearing a reused
kernel's names (``%reset``) is not enough: the state of imported modules
(plotly's default template, a module global of the kit) would carry over from
one case to the next. Starting Python and importing plotly and the kit costs
about 1.3 s of CPU per kernel here; forking a process that has done it, and
starting ipykernel in the child, about 0.1 s.

The zygote is that process. ``python -c SERVE MODULE...`` (see :data:`SERVE`)
imports ipykernel and the given modules (``module:function`` also calls the
function, a warm-up that builds what the module would build lazily), freezes the garbage collector's view
of them (so children share those pages instead of copying them), says
``ready`` and then, for each line of JSON it reads (a kernel's command-line
arguments, ``["-f", CONNECTION_FILE, ...]``), forks a kernel and answers with
its process id. It has no threads and no ZeroMQ sockets when it forks, which
is what makes forking safe. When its input ends (the worker stopped, however)
it kills its kernels and exits; each kernel also dies with the zygote.

:class:`Zygote` starts one and asks it for kernels; :class:`ForkingProvisioner`
is the jupyter_client kernel provisioner that launches through it, so the
kernel manager, the client and nbclient all stay jupyter's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

__all__ = [
    "FORKABLE",
    "ForkedProcess",
    "ForkingProvisioner",
    "Zygote",
    "forks_from",
    "kernel_arguments",
    "serve",
    "warm",
]

FORKABLE = hasattr(os, "fork") and hasattr(os, "pidfd_open")
"""Linux: fork, and process file descriptors to watch and signal a kernel that is not our child."""

KERNEL_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.oinspect",
    "IPython.extensions.storemagic",
    "tornado.platform.asyncio",
)
"""What ipykernel imports while it starts: imported once in the zygote instead of in every kernel."""

READY = "ready"
SERVE = "import sys; from ipt_nb._zygote import serve; serve(sys.argv[1:])"
"""The zygote's command (``-m`` would import this module twice: once with its package, once as main)."""
START_TIMEOUT = 60


KERNEL_MODULE_NAMES = ("ipykernel_launcher", "ipykernel")


def forks_from(argv: Sequence[str]) -> list[str] | None:
    """The Python command to fork kernels from, when a kernel spec runs ipykernel itself; else None.

    ``[python, *interpreter options, "-m", "ipykernel_launcher", ..., "-f",
    "{connection_file}", ...]`` qualifies, and the zygote is started with the
    same interpreter and options. A spec that runs anything else (a wrapper
    script, another language) is launched as it says, one process per case.
    """
    if not FORKABLE or "-m" not in argv or "{connection_file}" not in argv:
        return None
    module_at = list(argv).index("-m") + 1
    options = list(argv[1 : module_at - 1])
    if module_at >= len(argv) or argv[module_at] not in KERNEL_MODULE_NAMES:
        return None
    if not all(option.startswith("-X") or option.startswith("-W") for option in options):
        return None
    python = argv[0]
    if python in {"python", "python3", f"python3.{sys.version_info[1]}"}:
        python = sys.executable  # as jupyter_client does
    return [python, *options]


def kernel_arguments(cmd: Sequence[str]) -> list[str]:
    """What follows the module name in a kernel command: ipykernel's own arguments."""
    at = next(i for i, part in enumerate(cmd) if part in KERNEL_MODULE_NAMES and cmd[i - 1] == "-m")
    return list(cmd[at + 1 :])


class Zygote:
    """A warm process, started in ``cwd``, that forks a fresh kernel on request."""

    def __init__(self, python: Sequence[str], cwd: Path, modules: Sequence[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [*python, "-c", SERVE, *modules],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=cwd,
            env={**os.environ, **env, "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
            start_new_session=True,  # Ctrl-C in a terminal reaches the worker, which stops us
        )
        self._buffer = b""
        self.ready = False
        self._turn = threading.Lock()
        """One question at a time on the pipe: a server may start two kernels at once."""

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until the zygote has imported everything; raise with its reason if it could not."""
        with self._turn:
            if self.ready:
                return
            line = self._read_line(timeout)
            self.ready = line == READY
        if not self.ready:
            self.close()
            raise RuntimeError(line or f"the kernel process exited with status {self.process.poll()}")

    def fork(self, arguments: Sequence[str]) -> int:
        """A new kernel, started with ``arguments``; its process id."""
        assert self.process.stdin is not None
        with self._turn:
            try:
                self.process.stdin.write(json.dumps(list(arguments)).encode() + b"\n")
                self.process.stdin.flush()
            except OSError as exc:
                raise RuntimeError(f"the kernel process has stopped ({exc})") from exc
            answer = self._read_line(START_TIMEOUT)
        if not answer.isdigit():
            raise RuntimeError(answer or "the kernel process has stopped")
        return int(answer)

    def _read_line(self, timeout: float) -> str:
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([descriptor], [], [], left)[0]:
                return f"the kernel process did not answer in {timeout:.0f} s"
            chunk = os.read(descriptor, 4096)
            if not chunk:
                return ""
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode("utf-8", "replace").strip()

    def close(self) -> None:
        """End the zygote's input: it kills the kernels it forked and exits."""
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_pipes()

    def kill(self) -> None:
        """Stop the zygote at once (its kernels follow, by their parent-death signal)."""
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()


class ForkedProcess:
    """The part of :class:`subprocess.Popen` jupyter_client uses, for a kernel the zygote forked.

    The kernel is not our child, so it is watched through a process file
    descriptor, and signalled through it unless it still has its own process
    group (which a recycled process id would not). A kernel that has already
    ended and been reaped has no descriptor: it reads as ended.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._descriptor: int | None = None
        try:
            self._descriptor = os.pidfd_open(pid)
        except ProcessLookupError:  # it ended at once, and the zygote's system reaped it
            self.returncode = 1

    def poll(self) -> int | None:
        if self._descriptor is not None and select.select([self._descriptor], [], [], 0)[0]:
            os.close(self._descriptor)
            self._descriptor = None
            self.returncode = -signal.SIGKILL  # its real status went to the zygote
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self._descriptor is not None:
            select.select([self._descriptor], [], [], timeout)
        if self.poll() is None:
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None and self._descriptor is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._descriptor, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkingProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with the kernel forked by a :class:`Zygote`.

    Everything else (connection file, ports or sockets, shutdown, interrupts)
    is the local provisioner's. The kernel runs in the zygote's folder and with
    its environment, whatever ``cwd`` and ``env`` the manager asks for: the kit
    starts a zygote per folder it runs notebooks in. Signals go to the kernel's own process group,
    as they would for a kernel it had launched.
    """

    zygote: Zygote | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        assert self.zygote is not None, "set the provisioner's zygote before starting its kernel"
        loop = asyncio.get_running_loop()  # the answer takes milliseconds, but never block a server on it
        pid = await loop.run_in_executor(None, self.zygote.fork, kernel_arguments(cmd))
        self.process = ForkedProcess(pid)  # type: ignore[assignment]  # what the provisioner calls of a Popen
        self.pid = self.pgid = pid
        self.cwd = kwargs.get("cwd", Path.cwd())
        return self.connection_info

    async def kill(self, restart: bool = False) -> None:
        """Kill the kernel's group and wait, in milliseconds, until it is gone.

        The kernel manager polls a killed kernel every 0.1 s; a render discards
        a kernel after every case, so it waits here on the process descriptor.
        """
        await super().kill(restart=restart)
        process = self.process
        deadline = time.monotonic() + 5
        while process is not None and process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.002)


def warm(modules: Sequence[str]) -> None:
    """Import each module; ``module:function`` also calls the function (a warm-up).

    Raises ``ImportError`` naming the entry that failed. A kernel that was not
    forked runs this too, as ``__import__("ipt_nb._zygote", fromlist=["warm"]).warm(...)``,
    which binds no name in the notebook's namespace.
    """
    import importlib

    for name in modules:
        module_name, _, function = name.partition(":")
        try:
            module = importlib.import_module(module_name)
            if function:
                getattr(module, function)()
        except Exception as exc:
            raise ImportError(f"the kernel cannot import {name}: {type(exc).__name__}: {exc}") from exc


def serve(modules: Sequence[str]) -> None:  # pragma: no cover - runs in the zygote process
    """The zygote's life: import, say ready, fork on request, clean up when the input ends."""
    import gc

    from ._process import die_with_parent, skip_slow_imports

    die_with_parent(signal.SIGKILL)
    skip_slow_imports()
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    try:
        warm([*KERNEL_MODULES, *modules])
    except ImportError as exc:
        answers.write(str(exc).replace("\n", " ") + "\n")
        return
    gc.collect()
    gc.freeze()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels that end are reaped by the system
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers.write(READY + "\n")
    kernels: dict[int, int] = {}  # process id -> process file descriptor
    for line in requests:
        _forget_ended(kernels)  # a server forks a kernel per page: keep descriptors of live ones only
        try:
            pid = os.fork()
        except OSError as exc:
            answers.write(f"cannot start a kernel: {exc}\n")
            continue
        if pid == 0:
            for descriptor in (*kernels.values(), answers.fileno()):  # the zygote's, not the kernel's
                with contextlib.suppress(OSError):
                    os.close(descriptor)
            _become_kernel(json.loads(line))
        with contextlib.suppress(OSError):  # gone already: nothing to stop later
            kernels[pid] = os.pidfd_open(pid)
        answers.write(f"{pid}\n")
    _forget_ended(kernels)
    for pid in kernels:  # alive, so each group is still its own
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)


def _forget_ended(kernels: dict[int, int]) -> None:  # pragma: no cover - runs in the zygote process
    """Close and drop the descriptors of kernels that have ended (a descriptor is readable then)."""
    for pid, descriptor in list(kernels.items()):
        if select.select([descriptor], [], [], 0)[0]:
            os.close(descriptor)
            del kernels[pid]


def _become_kernel(arguments: list[str]) -> None:  # pragma: no cover - runs in a forked kernel
    """In the forked child: a session of its own, quiet standard streams, then ipykernel."""
    from ._process import die_with_parent

    zygote = os.getppid()
    os.setsid()
    die_with_parent(signal.SIGKILL)
    if os.getppid() != zygote:  # it died before the signal was asked for
        os._exit(1)
    for signum in (signal.SIGCHLD, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    quiet = os.open(os.devnull, os.O_RDWR)
    os.dup2(quiet, 0)  # the zygote's requests
    os.dup2(quiet, 1)  # the kernel's output goes to its client, its errors to stderr
    os.close(quiet)
    status = 1
    try:
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(arguments)  # type: ignore[no-untyped-call]
        _join_kernel(app.shell)
        app.start()  # type: ignore[no-untyped-call]
        status = 0
    finally:
        os._exit(status)  # a forked child never returns into the zygote's loop or its clean-up


def _join_kernel(shell: Any) -> None:  # pragma: no cover - runs in a forked kernel
    """What the zygote's modules do when imported inside a kernel, done now that there is one.

    ipywidgets registers its comm targets at import, but only under a running
    kernel, and the zygote imported it without one. Without the targets a page
    cannot ask for its widgets' state in one request: the front end waits for
    that request to time out (about 3 s for a workbench), then asks for each
    widget in turn. ``load_ipython_extension`` is ipywidgets' own way to register them.
    """
    if "ipywidgets" in sys.modules:
        sys.modules["ipywidgets"].load_ipython_extension(shell)
