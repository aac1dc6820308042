"""A command and a running server share the DuckDB warehouse by taking turns: ``cxpilot
import`` and ``cxpilot metrics`` work while ``cxpilot serve`` runs on the same data, and the
server reads what the import wrote."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CSV = "response_id,source,customer_id,timestamp,touchpoint,metric,score\n" + "".join(
    f"r{i},shop,c{i},2026-03-{1 + i % 28:02d}T10:00:00,website,nps,{i % 11}\n" for i in range(120)
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXPILOT_")}
    env.update(CXPILOT_HOME=str(home), DJANGO_SETTINGS_MODULE="cxpilot.settings")
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from cxpilot.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def _get(url: str, token: str) -> object:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310 - our server
        return json.loads(answer.read())


@pytest.mark.skipif(sys.platform == "win32", reason="process ids and signals")
def test_import_and_metrics_run_while_the_server_runs(tmp_path: Path) -> None:
    env = _env(tmp_path)
    made = _cli(env, "user", "add", "ana", "--role", "analyst", "--format", "json")
    assert made.returncode == 0, made.stderr
    token = json.loads(_cli(env, "user", "token", "ana", "--format", "json").stdout)["token"]
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cxpilot.cli import main; main()",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                assert _get(f"{base}/api/v1/metrics?metric=nps", token) == []
                break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.5)
        answers = tmp_path / "answers.csv"
        answers.write_text(CSV, encoding="utf-8")
        done = _cli(env, "import", "responses", str(answers), "--add-touchpoints")
        assert done.returncode == 0, done.stderr + done.stdout
        shown = _cli(env, "metrics", "--metric", "nps", "--format", "json")
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)[0]["n"] == 120
        # the server takes the file back and reads what the command wrote
        rows = _get(f"{base}/api/v1/metrics?metric=nps", token)
        assert isinstance(rows, list) and rows[0]["n"] == 120
        again = _cli(env, "metrics", "--metric", "nps", "--format", "json")
        assert again.returncode == 0, again.stderr
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not (tmp_path / "warehouse.duckdb.turn").exists() or (
        (tmp_path / "warehouse.duckdb.turn").read_text().strip() != str(server.pid)
    )


def test_a_holder_that_never_gives_a_turn_is_said_busy_after_the_wait(
    tmp_path: Path, settings, monkeypatch
) -> None:
    """A process that holds the file and takes no turns (not CX Pilot): after the wait, one
    clear error naming the holder; the request for a turn is withdrawn."""
    from cxpilot.kernel.errors import WarehouseBusy
    from cxpilot.warehouse import connection

    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(path)!r}); print('ok', flush=True);"
            " time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        connection.close()
        monkeypatch.setattr(connection, "WAIT_SECONDS", 1.0)
        settings.CXPILOT_WAREHOUSE_URL = f"duckdb:///{path}"
        started = time.monotonic()
        with pytest.raises(WarehouseBusy, match=f"process {holder.pid}") as caught:
            with connection.warehouse():
                pass
        assert time.monotonic() - started < 30
        assert "did not give it up within 1 s" in str(caught.value)
        assert not path.with_name("held.duckdb.turn").exists()
    finally:
        holder.kill()
        holder.wait()
        connection.close()
