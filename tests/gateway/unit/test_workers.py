"""The pieces of `gateway.workers` a process test cannot reach quickly: the import order that lets
prometheus-client start in multiprocess mode, the listen keys, and the bound on restarts."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from gateway import workers
from gateway.cli import main
from gateway.config import ConfigError, GatewayConfig, parse_config
from gateway.workers import MAX_RESTARTS, RESTART_WINDOW, Supervisor, Worker
from tests.gateway.unit.test_config import MINIMAL
from tests.support import ROOT

ENV = {"TEAM_KEY": "k" * 20}


def test_the_cli_does_not_import_prometheus_client_before_the_workers_choose_its_mode() -> None:
    probe = "import sys, gateway.cli; print('prometheus_client' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_multiprocess_metrics_refuse_to_start_after_prometheus_client_was_imported() -> None:
    import prometheus_client  # noqa: F401  (imported by the tests already; made explicit)

    with pytest.raises(RuntimeError, match="imported before PROMETHEUS_MULTIPROC_DIR"):
        workers.enable_multiprocess_metrics("/nonexistent")


def test_listen_workers_and_shutdown_timeout_are_read_defaulted_and_checked() -> None:
    assert (parse_config(MINIMAL, ENV).workers, parse_config(MINIMAL, ENV).shutdown_timeout) == (1, 30.0)
    listen = {"listen": {"workers": 4, "shutdown_timeout": 2.5}}
    config = parse_config({**MINIMAL, **listen}, ENV)
    assert (config.workers, config.shutdown_timeout) == (4, 2.5)
    for bad in ({"workers": 0}, {"workers": 65}, {"workers": "two"}, {"shutdown_timeout": 0}):
        with pytest.raises(ConfigError) as caught:
            parse_config({**MINIMAL, "listen": bad}, ENV)
        assert str(caught.value).startswith(f"listen.{next(iter(bad))}: ")


@pytest.mark.parametrize("value", ["0", "x", "65"])
def test_workers_option_must_be_a_sensible_count(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["serve", "--config", "gateway.yaml", "--workers", value])
    assert caught.value.code == 2 and "--workers: must be an integer from 1 to 64" in capsys.readouterr().err


@pytest.fixture
def supervisor(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Supervisor, list[int]]]:
    forked: list[int] = []
    monkeypatch.setattr(Supervisor, "_fork", lambda self, slot: forked.append(slot))
    with socket.create_server(("127.0.0.1", 0)) as sock:
        sup = Supervisor(GatewayConfig(workers=2), sock)
        yield sup, forked
        sup.wake_r.close()
        sup.wake_w.close()


def test_dead_workers_are_restarted_at_once_then_at_most_max_restarts_a_window(
    supervisor: tuple[Supervisor, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    sup, forked = supervisor
    clock = [1000.0]
    monkeypatch.setattr(workers.time, "monotonic", lambda: clock[0])
    for death in range(MAX_RESTARTS + 2):
        sup._exited(Worker(slot=death % 2, pid=100 + death, ready_fd=None, started=0, ready=True), -9)
    assert len(forked) == MAX_RESTARTS and sup.pending == [1, 0]  # two held back
    assert sup._restart_at(clock[0]) == 1000.0 + RESTART_WINDOW
    clock[0] += RESTART_WINDOW + 1
    sup._restart_due()
    assert len(forked) == MAX_RESTARTS + 2 and sup.pending == []


def test_a_worker_that_dies_before_it_is_ready_stops_the_gateway(
    supervisor: tuple[Supervisor, list[int]],
) -> None:
    sup, forked = supervisor
    sup._exited(Worker(slot=0, pid=4242, ready_fd=None, started=0, ready=False), 1)
    assert sup.stopping and sup.exit_code == 1 and forked == []
