"""`mlops-gateway serve`: one process, or a supervisor and `listen.workers` pre-forked workers.

**One listening socket, inherited.** The parent binds the socket once (`socket.create_server`)
and forks the workers; each serves that same socket with aiohttp's `web.SockSite`, and the kernel
hands every new connection to whichever worker accepts first. SO_REUSEPORT (one socket per worker,
the kernel hashing connections across them) spreads load more evenly, but it was not chosen: the
connections queued on a worker's socket when it dies are reset instead of being taken by another
worker, a restarted worker changes the hash for everyone, `listen.port: 0` cannot be shared, and
any other process of the same user may bind the port too. With one socket a dead worker loses
nothing that was still queued.

**Fork, not spawn.** The workers are `os.fork()`ed from a parent that runs no event loop and no
thread, so they inherit the socket without passing descriptors, share the imported modules
copy-on-write, and a restart costs the app's start-up, not an interpreter's. The price is import
order: prometheus-client picks its value class when it is first imported, so the parent sets
`PROMETHEUS_MULTIPROC_DIR` (a fresh temporary directory it removes at exit) before anything imports
`prometheus_client`; `gateway.cli` therefore imports `gateway.server` (which does) only through
this module, and `enable_multiprocess_metrics` refuses to run if it is too late. Each worker writes
its values to mmap files in that directory and `/metrics` merges them (`gateway.metrics`); when a
worker exits the parent calls `mark_process_dead`, so its live gauges go while its counters stay.

**Signals.** SIGTERM or SIGINT to the parent: it closes its copy of the socket and sends SIGTERM
to every worker, which stops accepting (closing its copy: once every copy is closed, new
connections are refused), gives requests in flight `listen.shutdown_timeout` seconds to finish
(aiohttp's `AppRunner(shutdown_timeout=...)`; then they are cancelled), closes its upstream
sessions and exits 0. The parent exits once every worker has: 0, or 1 if one failed or had to be
killed, `shutdown_timeout + KILL_GRACE` seconds after the stop. A worker also stops by itself when
the parent dies (its end of a pipe only the parent writes to reads EOF), so none is orphaned.
With one worker there is no supervisor: the one process shuts down the same way.

**Restarts.** A worker that dies after it started serving is forked again at once, at most
`MAX_RESTARTS` times in `RESTART_WINDOW` seconds; beyond that the next restart waits until the
window allows it, so a crash loop costs a few forks a minute while the other workers serve. A
worker that exits before it is ready (it tells the parent through a pipe) would fail again the same
way: the gateway stops and exits 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
import signal
import socket
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from gateway.config import GatewayConfig
from gateway.event_loop import run as run_on_loop

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's switch to multiprocess mode
MAX_RESTARTS = 5  # worker restarts allowed in RESTART_WINDOW seconds before they are spaced out
RESTART_WINDOW = 60.0
KILL_GRACE = 10.0  # seconds past shutdown_timeout before the supervisor kills what is left
POLL = 0.5  # seconds between the supervisor's checks when no signal or pipe wakes it
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_READY = b"R"

log = logging.getLogger("mlops_gateway.workers")


def serve(config: GatewayConfig) -> int:
    """Run the gateway until SIGTERM or SIGINT; the process's exit code."""
    if config.workers == 1:
        run_on_loop(serve_one(config, announce), config.event_loop)
        return 0
    with tempfile.TemporaryDirectory(prefix="mlops-gateway-metrics-") as metrics_dir:
        enable_multiprocess_metrics(metrics_dir)
        try:
            family = socket.getaddrinfo(config.host, config.port, type=socket.SOCK_STREAM)[0][0]
            from gateway.server import BACKLOG  # imports prometheus_client: after the switch above

            with socket.create_server((config.host, config.port), family=family, backlog=BACKLOG) as sock:
                return Supervisor(config, sock).run()
        finally:
            os.environ.pop(MULTIPROC_ENV, None)


def enable_multiprocess_metrics(path: str) -> None:
    """Put prometheus-client in multiprocess mode, writing to `path`: only before its first import."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError(
            f"prometheus_client was imported before {MULTIPROC_ENV} was set: workers would not share metrics"
        )
    os.environ[MULTIPROC_ENV] = path


def announce(url: str) -> None:
    print(f"mlops-gateway listening on {url}", flush=True)


async def wait_for_stop(lifeline: int | None = None) -> None:
    """Until SIGTERM or SIGINT, or until `lifeline` (a pipe's read end) reads EOF."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    if lifeline is not None:

        def orphaned() -> None:
            loop.remove_reader(lifeline)
            log.warning("the supervisor is gone; stopping")
            stop.set()

        loop.add_reader(lifeline, orphaned)
    await stop.wait()


async def serve_one(
    config: GatewayConfig,
    ready: Callable[[str], None],
    sock: socket.socket | None = None,
    lifeline: int | None = None,
) -> None:
    """Serve until stopped, then shut down gracefully. A worker passes the shared listening
    socket and its `lifeline` (see `wait_for_stop`)."""
    from gateway.server import start_gateway  # imports prometheus_client: see the module docstring

    gateway = await start_gateway(config, sock)
    try:
        loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
        log.info("serving", extra={"url": gateway.url, "event_loop": loop})
        ready(gateway.url)
        await wait_for_stop(lifeline)
        log.info("stopping", extra={"shutdown_timeout": config.shutdown_timeout})
    finally:
        await gateway.close()


@dataclass(slots=True)
class Worker:
    slot: int
    pid: int
    ready_fd: int | None  # the read end of the pipe it says "ready" on, until it has
    started: float
    ready: bool = False


class Supervisor:
    """Forks `config.workers` workers on `sock`, restarts the ones that die, stops them all."""

    def __init__(self, config: GatewayConfig, sock: socket.socket) -> None:
        self.config = config
        self.sock = sock
        self.url = f"http://{config.host}:{sock.getsockname()[1]}"
        self.workers: dict[int, Worker] = {}
        self.restarts: deque[float] = deque()  # when the recent restarts happened
        self.pending: list[int] = []  # slots waiting for a restart the rate bound holds back
        self.announced = False
        self.stopping = False
        self.kill_at = 0.0
        self.exit_code = 0
        self.lifeline_r, self.lifeline_w = os.pipe()
        self.wake_r, self.wake_w = socket.socketpair()

    def run(self) -> int:
        from prometheus_client.multiprocess import mark_process_dead

        self.wake_r.setblocking(False)
        self.wake_w.setblocking(False)
        handled = (*STOP_SIGNALS, signal.SIGCHLD)
        previous = {sig: signal.signal(sig, _noop) for sig in handled}
        old_wakeup = signal.set_wakeup_fd(self.wake_w.fileno(), warn_on_full_buffer=False)
        try:
            for slot in range(self.config.workers):
                self._fork(slot)
            while self.workers or (self.pending and not self.stopping):
                self._wait()
                for pid, code in self._reap():
                    mark_process_dead(pid)  # type: ignore[no-untyped-call]
                    self._exited(self.workers.pop(pid), code)
                self._restart_due()
                if self.stopping and time.monotonic() > self.kill_at:
                    self._kill_all()
            return self.exit_code
        finally:
            self._kill_all()
            signal.set_wakeup_fd(old_wakeup)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for fd in (self.lifeline_r, self.lifeline_w):
                os.close(fd)
            self.wake_r.close()
            self.wake_w.close()

    # -- forking -------------------------------------------------------------------------------

    def _fork(self, slot: int) -> None:
        ready_r, ready_w = os.pipe()
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, (*STOP_SIGNALS, signal.SIGCHLD))
        pid = os.fork()
        if pid == 0:  # the worker: it never returns into the supervisor's code
            code = 1
            try:
                self._become_worker(ready_r, blocked)
                run_on_loop(
                    serve_one(self.config, _ready_on(ready_w), self.sock, self.lifeline_r),
                    self.config.event_loop,
                )
                code = 0
            except BaseException:
                log.exception("worker failed", extra={"slot": slot})
            finally:
                logging.shutdown()
                sys.stdout.flush()
                os._exit(code)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        os.close(ready_w)
        self.workers[pid] = Worker(slot, pid, ready_r, time.monotonic())
        log.info("worker started", extra={"worker": pid, "slot": slot})

    def _become_worker(self, ready_r: int, blocked: set[int | signal.Signals]) -> None:
        """In the new worker: let go of everything that is the supervisor's."""
        signal.set_wakeup_fd(-1)
        for sig in (*STOP_SIGNALS, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        os.close(ready_r)
        os.close(self.lifeline_w)  # held by the supervisor only: EOF tells the workers it is gone
        self.wake_r.close()
        self.wake_w.close()
        for other in self.workers.values():
            if other.ready_fd is not None:
                os.close(other.ready_fd)

    # -- watching ------------------------------------------------------------------------------

    def _wait(self) -> None:
        """Sleep until a signal, a worker's "ready", or the next check; act on what came."""
        readers = {w.ready_fd: w for w in self.workers.values() if w.ready_fd is not None}
        timeout = POLL
        if self.pending:
            now = time.monotonic()
            timeout = min(timeout, max(0.0, self._restart_at(now) - now))
        wake = self.wake_r.fileno()
        readable, _, _ = select.select([wake, *readers], [], [], timeout)
        if wake in readable:
            with contextlib.suppress(BlockingIOError):
                stops = [signal.Signals(n) for n in self.wake_r.recv(256) if n in STOP_SIGNALS]
                if stops:
                    self._stop(f"signal {stops[0].name}")
        for fd, worker in readers.items():
            if fd in readable:
                worker.ready = os.read(fd, 1) == _READY
                os.close(fd)
                worker.ready_fd = None
        if not self.announced and self.workers and all(w.ready for w in self.workers.values()):
            self.announced = True
            log.info("workers ready", extra={"workers": len(self.workers), "url": self.url})
            announce(self.url)

    def _reap(self) -> list[tuple[int, int]]:
        exited = []
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in self.workers:
                exited.append((pid, os.waitstatus_to_exitcode(status)))
        return exited

    def _exited(self, worker: Worker, code: int) -> None:
        if worker.ready_fd is not None:
            os.close(worker.ready_fd)
        facts = {"worker": worker.pid, "slot": worker.slot, "exit_code": code}
        if self.stopping:
            log.info("worker stopped", extra=facts)
            if code != 0 and worker.ready:
                self.exit_code = 1
        elif not worker.ready:
            log.error("worker failed to start; stopping the gateway", extra=facts)
            self._stop("a worker failed to start", exit_code=1)
        else:
            log.warning("worker died; restarting it", extra=facts)
            self.pending.append(worker.slot)
            self._restart_due()
            if self.pending:
                wait = self._restart_at(time.monotonic()) - time.monotonic()
                log.warning(
                    "worker restarts held back", extra={"slots": self.pending, "seconds": round(wait, 1)}
                )

    # -- restarting ----------------------------------------------------------------------------

    def _restart_at(self, now: float) -> float:
        """When the next restart may happen: now, or when the oldest in the window leaves it."""
        return now if len(self.restarts) < MAX_RESTARTS else self.restarts[0] + RESTART_WINDOW

    def _restart_due(self) -> None:
        now = time.monotonic()
        while self.restarts and now - self.restarts[0] > RESTART_WINDOW:
            self.restarts.popleft()
        while self.pending and not self.stopping and self._restart_at(now) <= now:
            self.restarts.append(now)
            self._fork(self.pending.pop(0))

    # -- stopping ------------------------------------------------------------------------------

    def _stop(self, reason: str, exit_code: int = 0) -> None:
        if self.stopping:
            return
        self.stopping = True
        self.exit_code = max(self.exit_code, exit_code)
        self.pending.clear()
        self.kill_at = time.monotonic() + self.config.shutdown_timeout + KILL_GRACE
        log.info("stopping workers", extra={"reason": reason, "workers": len(self.workers)})
        self.sock.close()  # the supervisor's copy; the workers close theirs as they stop accepting
        for pid in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _kill_all(self) -> None:
        for pid in list(self.workers):
            log.error("worker did not stop in time; killing it", extra={"worker": pid})
            self.exit_code = 1
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            del self.workers[pid]


def _ready_on(fd: int) -> Callable[[str], None]:
    def ready(url: str) -> None:
        os.write(fd, _READY)
        os.close(fd)

    return ready


def _noop(signum: int, frame: object) -> None:
    """A Python-level handler, so the signal reaches the supervisor's wakeup socket."""
