"""Settings read from the environment, declared as data and checked at start.

Each :class:`Setting` says its variable name, default, and what it is for; ``load()`` reads and
checks them all and raises :class:`~cxpilot.kernel.errors.ConfigError` naming the variable and
the bad value. ``cxpilot settings`` prints the same declarations, and the settings table of
``docs/cli.md`` is generated from them (``python -m cxpilot.config --markdown``).
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    "sc",
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
        if re.search(r"[\x00-\x1f\x7f]", raw):  # urlparse would drop a tab or a line break
            raise ValueError("holds a control character (a tab or a line break?)")
        try:
            parsed = urlparse(raw)
        except ValueError as exc:  # sc://[::1 — a bracket left open
            raise ValueError(f"is not a URL ({exc})") from None
        if parsed.scheme not in schemes:
            raise ValueError(
                f"has scheme {parsed.scheme or '(none)'!r}; expected one of {', '.join(schemes)}"
            )
        return lower_scheme(raw)

    return parse


def _secret(raw: str) -> str:
    if len(raw) < 32:
        raise ValueError("is too short; use at least 32 random characters")
    return raw


def _file(raw: str) -> Path:
    path = Path(raw).expanduser()
    if not path.is_file():
        raise ValueError("is not a file")
    return path


def _positive_int(raw: str) -> int:
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        raise ValueError("is not a whole number") from None
    if value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def _time_zone(raw: str) -> str:
    name = raw.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("is not a time zone name (IANA, e.g. Europe/Paris or UTC)") from None
    return name


def _hosts(raw: str) -> list[str]:
    return [h.strip() for h in raw.split(",") if h.strip()]


def _joined(value: object) -> str:
    return ",".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)


def _networks(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(
                f"has {part!r}, which is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


def masked_url(value: object) -> str:
    """The URL without its password (also when it is not a URL Python can read)."""
    url = str(value)
    try:
        password = urlparse(url).password
    except ValueError:  # a bracket left open (sc://[::1/…): mask what looks like user:password@
        url = re.sub(r"(//[^/@:]*:)[^/@]*@", r"\1***@", url)
    else:
        url = url.replace(f":{password}@", ":***@", 1) if password else url
    # Spark Connect carries its secret as an option: sc://host:15002/;token=…
    return re.sub(r"(?i)([;?&]\s*token\s*=)[^;?&#]*", r"\1***", url)


def lower_scheme(url: str) -> str:
    """``url`` with its scheme in lower case, as every check and engine expects it (a URL's
    scheme is case-insensitive: PYSPARK:// is pyspark://)."""
    return re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*:", lambda m: m.group(0).lower(), url)


def url_secrets(url: str) -> list[str]:
    """The secrets ``url`` carries (its password, as written and decoded, and every token
    option), longest first."""
    found = re.findall(r"(?i)token\s*=\s*([^;?&#\s]+)", url)
    userinfo = re.match(r"(?i)[a-z][a-z0-9+.-]*://([^/?#]*)@", url)
    if userinfo and ":" in userinfo.group(1):
        password = userinfo.group(1).split(":", 1)[1]
        found += [password, unquote(password)]
    return sorted({s for s in found if s}, key=len, reverse=True)


def scrubbed(text: str, url: str) -> str:
    """``text`` (an engine's error about ``url``, which may quote it in any form) with the
    URL's secrets written ``***``."""
    for secret in url_secrets(url):
        if len(secret) >= 3:
            text = text.replace(secret, "***")
    text = re.sub(r"(?i)(token\s*=\s*)[^;?&#\s'\"]+", r"\1***", text)
    return re.sub(r"(//[^/@:\s]*:)[^/@\s]*@", r"\1***@", text)


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, the :class:`Config` field it fills, its default,
    what it is for, and how its text is checked and turned into a value.

    ``default`` is the text used when the variable is unset (None: the value is computed, or
    the feature is off, as ``unset`` says). ``parse`` raises ValueError with the reason, which
    :func:`load` turns into a ConfigError naming the variable. ``show`` turns the value into
    what ``cxpilot settings`` prints (to hide passwords); a ``secret`` is never printed; a
    ``computed`` setting has a value even when unset (``unset`` says which).
    """

    name: str
    field: str
    help: str
    default: str | None = None
    parse: Callable[[str], object] = str
    unset: str = ""
    show: Callable[[object], str] = str
    secret: bool = False
    computed: bool = False


def _share(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError("is not a number") from None
    if not 0 <= value <= 1:
        raise ValueError("must be between 0 and 1 (a share: 0.3 for 30 %)")
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "CXPILOT_HOME",
        "home",
        "Data directory: SQLite app database, DuckDB warehouse, secret key, static files.",
        "~/.cxpilot",
        _path,
    ),
    Setting(
        "CXPILOT_DATABASE_URL",
        "database_url",
        "App database URL, e.g. postgresql://user@host:5432/cxpilot.",
        parse=_url(DATABASE_SCHEMES),
        unset="a SQLite file in the data directory",
        computed=True,
        show=masked_url,
    ),
    Setting(
        "CXPILOT_WAREHOUSE_URL",
        "warehouse_url",
        "Experience warehouse as an Ibis URL, "
        "e.g. postgres://user@host:5432/cxpilot?schema=warehouse (the schema is created "
        "when it does not exist), pyspark:// (a local Spark session) or "
        "sc://host:15002 (a Spark cluster through Spark Connect; see docs/spark.md).",
        parse=_url(WAREHOUSE_SCHEMES),
        unset="a DuckDB file in the data directory",
        computed=True,
        show=masked_url,
    ),
    Setting(
        "CXPILOT_SECRET_KEY",
        "secret_key",
        "Django secret key (at least 32 characters).",
        parse=_secret,
        unset="generated once, kept in the data directory",
        secret=True,
    ),
    Setting("CXPILOT_DEBUG", "debug", "Debug mode; never in production.", "0", _bool),
    Setting(
        "CXPILOT_TIME_ZONE",
        "time_zone",
        "Time zone of every time shown (pages, e-mails, periods), an IANA name such as "
        "Europe/Paris; data is stored in UTC.",
        "Europe/Paris",
        _time_zone,
    ),
    Setting(
        "CXPILOT_SMTP_URL",
        "smtp_url",
        "SMTP server for alert e-mails: smtp://user:password@host:587?tls=1 or smtps://...:465.",
        parse=_url(("smtp", "smtps")),
        unset="e-mails are printed to the server's output",
        show=masked_url,
    ),
    Setting(
        "CXPILOT_EMAIL_FROM", "email_from", "Sender of CX Pilot's e-mails.", "cxpilot@localhost"
    ),
    Setting(
        "CXPILOT_ALLOWED_HOSTS",
        "allowed_hosts",
        "Comma-separated host names the web app answers to.",
        "127.0.0.1,localhost",
        _hosts,
        show=_joined,
    ),
    Setting(
        "CXPILOT_MATURITY_MODEL",
        "maturity_model",
        "A maturity model of your own, as a YAML file (see docs/maturity.md).",
        parse=_file,
        unset="the shipped model",
    ),
    Setting(
        "CXPILOT_SURVEY_RATE_PER_IP",
        "survey_rate_per_ip",
        "Survey submissions accepted per minute from one IP address (more: HTTP 429).",
        "60",
        _positive_int,
    ),
    Setting(
        "CXPILOT_SURVEY_RATE_PER_KEY",
        "survey_rate_per_key",
        "Survey submissions accepted per minute to one survey public key (more: HTTP 429).",
        "1200",
        _positive_int,
    ),
    Setting(
        "CXPILOT_TRUSTED_PROXIES",
        "trusted_proxies",
        "Comma-separated addresses or networks (10.0.0.0/8) of your reverse proxies: from them, "
        "the client's address is taken from X-Forwarded-For (see docs/surveys.md).",
        parse=_networks,
        unset="none: the connection's address is the client's",
        show=_joined,
    ),
    Setting(
        "CXPILOT_SURVEY_MAX_BODY",
        "survey_max_body",
        "Largest survey submission body accepted, in bytes (larger: HTTP 413).",
        "65536",
        _positive_int,
    ),
    Setting(
        "CXPILOT_DEFAULT_MARGIN_RATE",
        "default_margin_rate",
        "Margin share of a transaction whose file gives no margin (0.3: 30 % of the amount); "
        "profitability and lifetime value use it.",
        "0.3",
        _share,
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
    time_zone: str = "Europe/Paris"
    smtp_url: str | None = None
    email_from: str = "cxpilot@localhost"
    maturity_model: Path | None = None
    survey_rate_per_ip: int = 60
    survey_rate_per_key: int = 1200
    survey_max_body: int = 65536
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] | None = None
    default_margin_rate: float = 0.3


def setting(name: str) -> Setting:
    """The declaration of the variable ``name``."""
    for candidate in SETTINGS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def read(name: str, env: Mapping[str, str] | None = None) -> object:
    """The checked value of one variable (its default when unset; None when it has none),
    without reading the others: for code that needs one setting outside Django."""
    return _read(setting(name), os.environ if env is None else env)


def _read(setting: Setting, env: Mapping[str, str]) -> object:
    raw = env.get(setting.name)
    if raw is None or raw == "":
        if setting.default is None:
            return None
        raw = setting.default
    try:
        return setting.parse(raw)
    except ValueError as exc:
        # the value as `cxpilot settings` shows it: a URL's password or token masked
        shown = "***" if setting.secret else setting.show(raw)
        raise ConfigError(f"{shown!r} {exc}", where=setting.name) from None


def load(env: Mapping[str, str] | None = None) -> Config:
    """Read and check every setting; raise ConfigError on the first bad one."""
    env = os.environ if env is None else env
    values = {s.field: _read(s, env) for s in SETTINGS}
    home = values["home"]
    assert isinstance(home, Path)
    try:
        # its own user's alone: it holds the customers' personal data and the secret key
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ConfigError(
            f"cannot create data directory {home}: {exc.strerror}", where="CXPILOT_HOME"
        ) from None
    home = values["home"] = home.resolve()
    values["database_url"] = values["database_url"] or f"sqlite:///{home / 'app.sqlite3'}"
    values["warehouse_url"] = values["warehouse_url"] or f"duckdb:///{home / 'warehouse.duckdb'}"
    values["secret_key"] = values["secret_key"] or _home_secret(home)
    return Config(**values)  # type: ignore[arg-type]


def describe(loaded: Config, env: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """Each setting's name, value (passwords hidden) and help, as ``cxpilot settings`` shows."""
    env = os.environ if env is None else env
    rows = []
    for s in SETTINGS:
        value = getattr(loaded, s.field)
        if s.secret:
            shown = "(set)" if env.get(s.name) else f"({s.unset})"
        elif value is None:
            shown = f"(unset: {s.unset})"
        else:
            shown = s.show(value)
        rows.append({"name": s.name, "value": shown, "help": s.help})
    return rows


def markdown_table() -> str:
    """The settings table of ``docs/cli.md``, from :data:`SETTINGS`
    (regenerate with ``python -m cxpilot.config --markdown``)."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = f"`{s.default}`" if s.default is not None else f"unset ({s.unset})"
        if s.secret or s.computed:
            default = s.unset
        lines.append(f"| `{s.name}` | {default} | {s.help} |")
    return "\n".join(lines) + "\n"


def _home_secret(home: Path) -> str:
    path = home / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m cxpilot.config --markdown")
    sys.stdout.write(markdown_table())
