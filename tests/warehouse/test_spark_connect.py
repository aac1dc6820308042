"""The warehouse on a Spark cluster through Spark Connect (``sc://host:port``): a Connect
server started here (the one in pyspark's own jars) stands for the cluster; the commands run
in processes of their own (a process holds a local Spark session or a Connect one, not
both). Run in the Spark pass only: it needs Java and takes a minute."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SPARK

pytestmark = [
    pytest.mark.warehouse,
    pytest.mark.skipif(not SPARK, reason="the Spark pass only (CXPILOT_TEST_SPARK=1)"),
]

ANSWERS = """response_id,customer_id,touchpoint,timestamp,metric,score,verbatim
r1,c1,website,2026-10-01T10:00:00,nps,9,Great site
r2,c2,website,2026-10-02T10:00:00,nps,3,"Slow delivery, again"
r3,c3,website,2026-10-03T10:00:00,nps,10,
r4,c4,store,2026-10-03T10:00:00,nps,7,ok
r5,c4,store,2026-10-04T10:00:00,nps,10,
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import pyspark

    home = Path(pyspark.__file__).parent
    where = tmp_path_factory.mktemp("connect")
    port = _free_port()
    log = (where / "server.log").open("w")
    server = subprocess.Popen(
        [
            str(home / "bin" / "spark-submit"),
            "--master",
            "local[1]",
            "--class",
            "org.apache.spark.sql.connect.service.SparkConnectServer",
            "--conf",
            f"spark.connect.grpc.binding.port={port}",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            f"spark.sql.warehouse.dir={where / 'tables'}",
            "--conf",
            "spark.sql.shuffle.partitions=4",
            "spark-internal",
        ],
        env={**os.environ, "SPARK_HOME": str(home)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail((where / "server.log").read_text()[-2000:])
                time.sleep(1)
        # a token asks for TLS, except on localhost (the server here has none)
        yield f"sc://localhost:{port}/;token=not-checked-here?database=cx_test"
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _cxpilot(url: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CXPILOT_HOME": str(home), "CXPILOT_WAREHOUSE_URL": url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "cxpilot.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_import_is_idempotent_and_metrics_are_right_on_a_connect_server(
    connect_server: str, tmp_path: Path
):
    answers = tmp_path / "answers.csv"
    answers.write_text(ANSWERS, encoding="utf-8")
    home = tmp_path / "home"
    first = _cxpilot(
        connect_server, home, "import", "responses", str(answers), "--source", "web",
        "--add-touchpoints", "--format", "json",
    )  # fmt: skip
    assert first.returncode == 0, first.stderr[-3000:]
    assert json.loads(first.stdout)["rows_added"] == 5
    again = _cxpilot(
        connect_server, home, "import", "responses", str(answers), "--source", "web",
        "--format", "json",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    report = json.loads(again.stdout)
    assert (report["rows_added"], report["rows_already_present"]) == (0, 5)
    shown = _cxpilot(
        connect_server, home, "metrics", "--metric", "nps", "--by", "touchpoint",
        "--format", "json",
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr[-3000:]
    rows = {row["touchpoint"]: row for row in json.loads(shown.stdout)}
    # website: 2 promoters, 1 detractor of 3; store: 1 promoter, 1 passive of 2 answers by
    # one person
    assert rows["website"]["n"] == 3 and rows["website"]["score"] == pytest.approx(100 / 3, 1e-3)
    assert rows["store"]["n"] == 2 and rows["store"]["customers"] == 1
    assert rows["store"]["score"] == pytest.approx(50.0)
    # the token is not printed in the settings
    settings = _cxpilot(connect_server, home, "settings")
    assert "not-checked-here" not in settings.stdout + settings.stderr


def test_a_connect_server_that_does_not_answer_is_one_line(tmp_path: Path):
    gone = f"sc://127.0.0.1:{_free_port()}"
    result = _cxpilot(gone, tmp_path / "home", "metrics", "--metric", "nps")
    assert result.returncode != 0
    assert "no Spark Connect server answers" in result.stderr
    assert "CXPILOT_WAREHOUSE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_token_to_a_server_without_tls_is_one_line(connect_server: str, tmp_path: Path):
    # the same server by its address: a token there asks for TLS, which it does not speak
    port = connect_server.split(":")[2].split("/")[0]
    url = f"sc://127.0.0.1:{port}/;token=SECRET-TOKEN"
    result = _cxpilot(url, tmp_path / "home", "metrics", "--metric", "nps")
    assert result.returncode != 0
    assert "does not speak TLS" in result.stderr and "localhost" in result.stderr
    assert "SECRET-TOKEN" not in result.stderr and "Traceback" not in result.stderr
