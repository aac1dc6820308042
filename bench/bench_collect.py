"""Collection throughput: ``POST /api/v1/responses`` under load, alone and beside dashboard users.

Starts ``cxpilot serve`` on a loopback port with a fresh data directory (the demo company, its
users, and a survey with an NPS question and an open question), then runs closed-loop clients
(each sends its next answer as soon as the last is answered, on one keep-alive connection) for
a bounded time and count, and reports:

- acknowledged answers per second (HTTP 202), latency p50/p95/p99/max, errors by status;
- acknowledged vs stored: after the run the server is stopped, a fresh process flushes the
  inbox, and every acknowledged response id must be in the warehouse;
- optionally, logged-in dashboard users loading heavy pages at the same time (pages/s and
  latency), and a kill -9 of the server in the middle of a burst (then the same check).

The clients are one asyncio process with pre-built requests, so that they take little of the
CPU the server needs. The target is always the server this script started, on loopback; the
rate limits are raised for it (every client comes from 127.0.0.1).

Usage (alone)::

    PYTHONPATH=src python bench/bench_collect.py                 # the standard run
    PYTHONPATH=src python bench/bench_collect.py --label after   # kept under that label
    PYTHONPATH=src python bench/bench_collect.py --scenario collect --clients 50 --duration 10

or ``python bench/run.py collect``. Results are merged into ``bench/results/collect.json``
under the label (``latest`` by default).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import ipaddress
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provenance import commit  # bench/ is the folder of the script run

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "collect.json"
SURVEY_KEY = "bench-nps"
MAX_DURATION = 120.0  # seconds: a run never lasts longer, whatever is asked
MAX_REQUESTS = 500_000  # per scenario
MAX_CLIENTS = 500

VERBATIMS = (
    "Livraison rapide, produit conforme.",
    "Le colis est arrivé en retard et abîmé.",
    "Service client injoignable pendant trois jours.",
    "Great prices, but the website is slow at checkout.",
    "Très bon accueil en magasin, vendeuse de bon conseil.",
    "The app crashed twice while I was paying.",
    "Remboursement toujours pas reçu après un mois.",
    "",
)


# --- the server ----------------------------------------------------------------------------


def _loopback(host: str) -> str:
    """``host`` if it is a loopback address; refuse anything else."""
    try:
        address = ipaddress.ip_address(socket.gethostbyname(host))
    except (OSError, ValueError):
        raise SystemExit(f"cannot resolve {host!r}") from None
    if not address.is_loopback:
        raise SystemExit(f"{host} is not a loopback address: this benchmark only runs locally")
    return host


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _env(home: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXPILOT_")}
    env.update(
        CXPILOT_HOME=str(home),
        CXPILOT_SURVEY_RATE_PER_IP="100000000",
        CXPILOT_SURVEY_RATE_PER_KEY="100000000",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        ),
    )
    if database_url:
        env["CXPILOT_DATABASE_URL"] = database_url
    return env


def _python(script: str, env: dict[str, str]) -> str:
    """Run ``script`` in a fresh process with Django set up; return what it printed."""
    prelude = (
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'cxpilot.settings')\n"
        "from cxpilot.kernel.cli import setup\nsetup()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"setup step failed:\n{done.stderr[-3000:]}")
    return done.stdout


def prepare(home: Path, env: dict[str, str], customers: int) -> dict[str, Any]:
    """The demo company, its users and the benchmark's survey; return its key and a login."""
    subprocess.run(
        [sys.executable, "-m", "cxpilot.cli", "demo", "generate", "--customers", str(customers)],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    out = _python(
        f"""
        import json
        from cxpilot.demo.users import demo_users
        from cxpilot.surveys.services import survey_create
        logins = demo_users()
        survey = survey_create(actor=None, definition={{
            "key": {SURVEY_KEY!r},
            "title": {{"en": "Your opinion", "fr": "Votre avis"}},
            "default_language": "fr",
            "touchpoints": ["website"],
            "questions": [
                {{"key": "nps", "kind": "nps",
                  "text": {{"fr": "Nous recommanderiez-vous ?", "en": "Would you recommend us?"}}}},
                {{"key": "why", "kind": "text", "text": {{"fr": "Pourquoi ?", "en": "Why?"}}}},
            ],
        }})
        analyst = next(u for u in logins if u["username"] == "analyst")
        print(json.dumps({{"public_key": survey.public_key, "login": analyst}}))
        """,
        env,
    )
    return json.loads(out.strip().splitlines()[-1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    host: str
    port: int

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(env: dict[str, str], host: str, serve_args: list[str], log: Path) -> Server:
    port = _free_port(host)
    command = [
        sys.executable,
        "-m",
        "cxpilot.cli",
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        *serve_args,
    ]
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped at start:\n{log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return Server(process, host, port)
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not answer within 60 s")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def login(server: Server, username: str, password: str) -> str:
    """A session cookie for ``username`` (through the login form, as a browser does)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    conn.request("GET", "/accounts/login/")
    page = conn.getresponse()
    html = page.read().decode()
    cookies = _cookies(page.getheader("Set-Cookie") or "")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token, "no CSRF token on the login page"
    from urllib.parse import urlencode

    body = urlencode({"csrfmiddlewaretoken": token[1], "username": username, "password": password})
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )
    answer = conn.getresponse()
    answer.read()
    cookies.update(_cookies(answer.getheader("Set-Cookie") or ""))
    conn.close()
    if answer.status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"login as {username} failed ({answer.status})")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _cookies(header: str) -> dict[str, str]:
    return dict(re.findall(r"(?:^|,\s*)(csrftoken|sessionid)=([^;]+)", header))


# --- the clients ---------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    acknowledged: list[str] = field(default_factory=list)  # response ids

    def summary(self, seconds: float, unit: str) -> dict[str, Any]:
        lat = sorted(self.latencies)
        ok = self.statuses.get("202" if unit == "answers" else "200", 0)

        def pct(p: float) -> float | None:
            if not lat:
                return None
            return round(1000 * lat[min(len(lat) - 1, int(p / 100 * len(lat)))], 1)

        return {
            f"{unit}_per_s": round(ok / seconds, 1) if seconds else 0.0,
            "ok": ok,
            "requests": len(lat),
            "statuses": dict(sorted(self.statuses.items())),
            "p50_ms": pct(50),
            "p95_ms": pct(95),
            "p99_ms": pct(99),
            "max_ms": round(1000 * lat[-1], 1) if lat else None,
        }


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes
) -> tuple[int, bytes, bool]:
    writer.write(data)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, close = 0, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
    body = await reader.readexactly(length) if length else b""
    return status, body, close


def _answer_request(host: str, port: int, public_key: str, n: int, worker: int) -> bytes:
    rng = random.Random(worker * 1_000_003 + n)
    score = rng.choice((0, 2, 5, 6, 7, 8, 8, 9, 9, 10, 10))
    answers: dict[str, Any] = {"nps": score}
    text = rng.choice(VERBATIMS)
    if text:
        answers["why"] = text
    body = json.dumps(
        {
            "answers": answers,
            "customer_id": f"bench-{worker}-{n}-{uuid.uuid4().hex[:8]}",
            "touchpoint": "website",
            "language": "fr",
            "channel": "widget",
        },
        ensure_ascii=False,
    ).encode()
    head = (
        f"POST /api/v1/responses HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nX-Survey-Key: {public_key}\r\n"
        f"Idempotency-Key: {uuid.uuid4()}\r\nOrigin: https://shop.example\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _collector(
    server: Server,
    public_key: str,
    worker: int,
    tally: Tally,
    stop: asyncio.Event,
    budget: list[int],
) -> None:
    n = 0
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while not stop.is_set() and budget[0] > 0:
        budget[0] -= 1
        n += 1
        data = _answer_request(server.host, server.port, public_key, n, worker)
        start = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.open_connection(server.host, server.port)
            status, body, close = await _exchange(*conn, data)
        except (OSError, asyncio.IncompleteReadError):
            tally.statuses["connection error"] += 1
            if conn is not None:
                conn[1].close()
            conn = None
            await asyncio.sleep(0.05)
            continue
        tally.latencies.append(time.perf_counter() - start)
        tally.statuses[str(status)] += 1
        if status == 202:
            tally.acknowledged.extend(json.loads(body)["response_ids"])
        if close:
            conn[1].close()
            conn = None
    if conn is not None:
        conn[1].close()


async def _reader(
    server: Server, cookie: str, pages: list[str], worker: int, tally: Tally, stop: asyncio.Event
) -> None:
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    i = worker
    while not stop.is_set():
        path = pages[i % len(pages)]
        i += 1
        data = (
            f"GET {path} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
            f"Cookie: {cookie}\r\nAccept: text/html\r\n\r\n"
        ).encode()
        start = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.open_connection(server.host, server.port)
            status, _body, close = await _exchange(*conn, data)
        except (OSError, asyncio.IncompleteReadError):
            tally.statuses["connection error"] += 1
            conn = None
            await asyncio.sleep(0.05)
            continue
        tally.latencies.append(time.perf_counter() - start)
        tally.statuses[str(status)] += 1
        if close:
            conn[1].close()
            conn = None
    if conn is not None:
        conn[1].close()


async def _drive(
    server: Server,
    *,
    public_key: str,
    clients: int,
    duration: float,
    max_requests: int,
    readers: int,
    cookies: list[str],
    pages: list[str],
    kill_after: float | None,
) -> tuple[Tally, Tally, float]:
    stop = asyncio.Event()
    answers, views = Tally(), Tally()
    budget = [max_requests]
    tasks = [
        asyncio.create_task(_collector(server, public_key, w, answers, stop, budget))
        for w in range(clients)
    ]
    tasks += [
        asyncio.create_task(_reader(server, cookies[w % len(cookies)], pages, w, views, stop))
        for w in range(readers)
    ]
    start = time.perf_counter()
    limit = kill_after if kill_after is not None else duration
    if tasks:
        await asyncio.wait(tasks, timeout=limit)  # not cancelled: a request under way ends
    if kill_after is not None:
        server.process.send_signal(signal.SIGKILL)  # mid-burst: requests are in flight
    stop.set()
    elapsed = time.perf_counter() - start
    # let in-flight requests end (or fail, after a kill) before counting
    if tasks:
        await asyncio.wait(tasks, timeout=30)
    for task in tasks:
        task.cancel()
    return answers, views, elapsed


def stored_response_ids(env: dict[str, str], acknowledged: list[str], scratch: Path) -> dict:
    """In a fresh process (the server stopped or killed): flush the inbox, then count the
    acknowledged response ids found in the warehouse."""
    ids_file = scratch / "acknowledged.json"
    ids_file.write_text(json.dumps(acknowledged))
    out = _python(
        f"""
        import json
        from cxpilot.warehouse.inbox import inbox_flush
        from cxpilot.warehouse.connection import warehouse
        inbox_flush()
        with warehouse() as con:
            t = con.table("responses")
            ids = set(t.filter(t.survey == {SURVEY_KEY!r}).response_id.to_pyarrow().to_pylist())
        acknowledged = set(json.load(open({str(ids_file)!r})))
        print(json.dumps({{"stored_total": len(ids),
                          "acknowledged_stored": len(acknowledged & ids),
                          "lost": len(acknowledged - ids)}}))
        """,
        env,
    )
    return json.loads(out.strip().splitlines()[-1])


# --- a run ---------------------------------------------------------------------------------


def _fresh_postgres(url: str) -> tuple[str, str]:
    """A new empty database on the PostgreSQL server of ``url``: (its URL, its name)."""
    import psycopg

    name = f"cxbench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name, name


def _drop_postgres(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def bench(
    *,
    scenarios: list[str],
    clients: int,
    duration: float,
    readers: int,
    pages: list[str],
    customers: int,
    host: str,
    serve_args: list[str],
    database_url: str | None,
    command: str,
) -> dict[str, Any]:
    host = _loopback(host)
    clients = max(1, min(clients, MAX_CLIENTS))
    duration = max(1.0, min(duration, MAX_DURATION))
    results: dict[str, Any] = {
        "command": command,
        "code": commit(),
        "machine": f"{os.cpu_count()} CPU, {platform.python_implementation()} "
        f"{platform.python_version()}, client and server on the same machine",
        "server": f"cxpilot serve {' '.join(serve_args)}".strip(),
        "app_database": "postgresql" if database_url else "sqlite",
        "clients": clients,
        "duration_s": duration,
        "dashboard_users": readers,
        "pages": pages,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "scenarios": {},
    }
    pg: tuple[str, str] | None = None
    with tempfile.TemporaryDirectory(prefix="cxbench-") as tmp:
        scratch = Path(tmp)
        if database_url:
            pg = _fresh_postgres(database_url)
        try:
            env = _env(scratch / "home", pg[0] if pg else None)
            setup = prepare(scratch / "home", env, customers)
            for scenario in scenarios:
                results["scenarios"][scenario] = _scenario(
                    scenario,
                    env=env,
                    setup=setup,
                    host=host,
                    clients=clients,
                    duration=duration,
                    readers=readers,
                    pages=pages,
                    serve_args=serve_args,
                    scratch=scratch,
                )
                print(json.dumps({scenario: results["scenarios"][scenario]}), file=sys.stderr)
        finally:
            if pg:
                _drop_postgres(database_url or "", pg[1])
    return results


def _scenario(
    name: str,
    *,
    env: dict[str, str],
    setup: dict[str, Any],
    host: str,
    clients: int,
    duration: float,
    readers: int,
    pages: list[str],
    serve_args: list[str],
    scratch: Path,
) -> dict[str, Any]:
    server = start_server(env, host, serve_args, scratch / f"server-{name}.log")
    try:
        with_answers = name in ("collect", "mixed", "kill")
        with_pages = name in ("mixed", "dashboard")
        cookies = (
            [
                login(server, setup["login"]["username"], setup["login"]["password"])
                for _ in range(readers)
            ]
            if with_pages
            else []
        )
        cpu_before = server.cpu_seconds()
        answers, views, elapsed = asyncio.run(
            _drive(
                server,
                public_key=setup["public_key"],
                clients=clients if with_answers else 0,
                duration=duration,
                max_requests=MAX_REQUESTS if with_answers else 0,
                readers=readers if with_pages else 0,
                cookies=cookies or [""],
                pages=pages,
                kill_after=duration / 2 if name == "kill" else None,
            )
        )
        cpu = server.cpu_seconds() - cpu_before
    finally:
        stop_server(server)
    out: dict[str, Any] = {"seconds": round(elapsed, 1)}
    if with_answers:
        out["answers"] = answers.summary(elapsed, "answers")
        out["answers"].update(stored_response_ids(env, answers.acknowledged, scratch))
        out["answers"]["acknowledged"] = len(answers.acknowledged)
    if with_pages:
        out["pages"] = views.summary(elapsed, "pages")
    if name != "kill":
        out["server_cpu_s_per_s"] = round(cpu / elapsed, 2)
    return out


SCENARIOS = ("collect", "mixed", "dashboard", "kill")


def _record(label: str, result: dict[str, Any]) -> dict[str, Any]:
    """Merge ``result`` into the results file under ``label``; return the whole file."""
    try:
        known = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        known = {}
    known.setdefault("runs", {})[label] = result
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(known, indent=2, ensure_ascii=False) + "\n")
    return known


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--scenario",
        action="append",
        choices=SCENARIOS,
        help="collect (answers alone), mixed (answers + dashboard users), dashboard (pages "
        "alone), kill (kill -9 mid-burst, then count); all by default",
    )
    p.add_argument("--clients", type=int, default=20, help="concurrent answer senders")
    p.add_argument(
        "--duration",
        type=float,
        default=60.0,
        help="seconds per scenario (the default holds a flush of the inbox: under a stream of "
        "answers the server flushes it every 30 s)",
    )
    p.add_argument("--dashboard-users", type=int, default=5, help="logged-in page readers")
    p.add_argument(
        "--page", action="append", help="page the dashboard users load (default /text/irritants/)"
    )
    p.add_argument("--customers", type=int, default=20_000, help="size of the demo company")
    p.add_argument("--host", default="127.0.0.1", help="loopback address to serve on")
    p.add_argument(
        "--serve-args", default="", help="extra arguments of cxpilot serve, e.g. '--threads 16'"
    )
    p.add_argument(
        "--database-url",
        help="a PostgreSQL server (a fresh database is made on it, then dropped), "
        "e.g. postgresql://postgres@127.0.0.1:5432/test; SQLite by default",
    )
    p.add_argument("--label", default="latest", help="key of this run in the results file")
    return p


def _bench(args: argparse.Namespace, command: str) -> dict[str, Any]:
    return bench(
        command=command,
        scenarios=args.scenario or list(SCENARIOS),
        clients=args.clients,
        duration=args.duration,
        readers=args.dashboard_users,
        pages=args.page or ["/text/irritants/"],
        customers=args.customers,
        host=args.host,
        serve_args=args.serve_args.split(),
        database_url=args.database_url,
    )


def run() -> dict[str, Any]:
    """For ``bench/run.py collect``: the standard run, recorded as ``latest``."""
    return _record("latest", _bench(_parser().parse_args([]), "python bench/run.py collect"))


if __name__ == "__main__":
    arguments = _parser().parse_args()
    line = "PYTHONPATH=src python bench/bench_collect.py " + " ".join(sys.argv[1:])
    result = _record(arguments.label, _bench(arguments, line.strip()))
    print(json.dumps(result["runs"][arguments.label], indent=2))
