"""Settings read from the environment, declared as data and checked at start.

Each :class:`Setting` says its variable name, default, and what it is for; ``load()`` reads and
checks them all and raises :class:`~cxpilot.kernel.errors.ConfigError` naming the variable and
the bad value. ``cxpilot settings`` prints this table.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from cxpilot.kernel.errors import ConfigError

WAREHOUSE_SCHEMES = (
    "duckdb",
    "postgres",
    "postgresql",
    "clickhouse",
    "bigquery",
    "snowflake",
    "trino",
    "pyspark",
    "mysql",
)
DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql", "pgsql", "mysql")


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("is not a boolean; use 1/0, true/false, yes/no or on/off")


def _url(schemes: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        parsed = urlparse(raw)
        if parsed.scheme not in schemes:
            raise ValueError(
                f"has scheme {parsed.scheme or '(none)'!r}; expected one of {', '.join(schemes)}"
            )
        return raw

    return parse


def _secret(raw: str) -> str:
    if len(raw) < 32:
        raise ValueError("is too short; use at least 32 random characters")
    return raw


def _file(raw: str) -> str:
    if not Path(raw).expanduser().is_file():
        raise ValueError("is not a file")
    return raw


@dataclass(frozen=True)
class Setting:
    name: str
    help: str
    default: str | None
    parse: Callable[[str], object] = str


SETTINGS: tuple[Setting, ...] = (
    Setting("CXPILOT_HOME", "Data directory (app database, warehouse, secret key).", "~/.cxpilot"),
    Setting(
        "CXPILOT_DATABASE_URL",
        "App database URL. Default: a SQLite file in the data directory.",
        None,
        _url(DATABASE_SCHEMES),
    ),
    Setting(
        "CXPILOT_WAREHOUSE_URL",
        "Experience warehouse, as an Ibis URL. Default: a DuckDB file in the data directory.",
        None,
        _url(WAREHOUSE_SCHEMES),
    ),
    Setting(
        "CXPILOT_SECRET_KEY",
        "Django secret key. Default: generated once and kept in the data directory.",
        None,
        _secret,
    ),
    Setting("CXPILOT_DEBUG", "Debug mode (never in production).", "0", _bool),
    Setting(
        "CXPILOT_SMTP_URL",
        "Where alert e-mails go out: smtp://user:password@host:587?tls=1. Unset: not sent.",
        None,
        _url(("smtp", "smtps")),
    ),
    Setting("CXPILOT_EMAIL_FROM", "Sender address of CX Pilot's e-mails.", "cxpilot@localhost"),
    Setting(
        "CXPILOT_ALLOWED_HOSTS",
        "Comma-separated host names the web app answers to.",
        "127.0.0.1,localhost",
    ),
    Setting(
        "CXPILOT_MATURITY_MODEL",
        "A maturity model of your own (YAML file). Unset: the shipped model.",
        None,
        _file,
    ),
)


@dataclass(frozen=True)
class Config:
    home: Path
    database_url: str
    warehouse_url: str
    secret_key: str
    debug: bool
    allowed_hosts: list[str]
    smtp_url: str | None = None
    email_from: str = "cxpilot@localhost"


def _read(setting: Setting, env: Mapping[str, str]) -> object:
    raw = env.get(setting.name)
    if raw is None or raw == "":
        if setting.default is None:
            return None
        raw = setting.default
    try:
        return setting.parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{raw!r} {exc}", where=setting.name) from None


def load(env: Mapping[str, str] | None = None) -> Config:
    """Read and check every setting; raise ConfigError on the first bad one."""
    env = os.environ if env is None else env
    values = {s.name: _read(s, env) for s in SETTINGS}
    home = Path(str(values["CXPILOT_HOME"])).expanduser()
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create data directory {home}: {exc.strerror}", where="CXPILOT_HOME"
        ) from None
    home = home.resolve()
    database_url = str(values["CXPILOT_DATABASE_URL"] or f"sqlite:///{home / 'app.sqlite3'}")
    warehouse_url = str(values["CXPILOT_WAREHOUSE_URL"] or f"duckdb:///{home / 'warehouse.duckdb'}")
    secret = values["CXPILOT_SECRET_KEY"]
    if secret is None:
        secret = _home_secret(home)
    hosts = [h.strip() for h in str(values["CXPILOT_ALLOWED_HOSTS"]).split(",") if h.strip()]
    return Config(
        home=home,
        database_url=database_url,
        warehouse_url=warehouse_url,
        secret_key=str(secret),
        debug=bool(values["CXPILOT_DEBUG"]),
        allowed_hosts=hosts,
        smtp_url=str(values["CXPILOT_SMTP_URL"]) if values["CXPILOT_SMTP_URL"] else None,
        email_from=str(values["CXPILOT_EMAIL_FROM"]),
    )


def _home_secret(home: Path) -> str:
    path = home / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key
