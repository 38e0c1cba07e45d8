"""Every Trialscout setting, its environment variable and its documented default, in one place.

Each setting can also be given in a TOML config file, by its field name (`smtp_host = "mail.example.org"`):
the file named by TRIALS_CONFIG, else config.toml in the per-user config directory
(e.g. ~/.config/trialscout/config.toml). The environment wins over the file.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from indexer import __version__

API_URL = "https://clinicaltrials.gov/api/v2"
USER_AGENT = f"Trialscout/{__version__} (+https://github.com/trialscout/trialscout; clinical-trial registry harvester)"


class Settings(NamedTuple):  # not a dataclass: every command makes it, and its 31 fields cost 2 ms as one
    """Defaults; each can be set by the environment variable named in its comment."""

    data_dir: Path  # TRIALS_DATA; default: the per-user data directory, e.g. ~/.local/share/trialscout
    api_url: str = API_URL  # TRIALS_API_URL: ClinicalTrials.gov API v2 base URL
    user_agent: str = USER_AGENT  # TRIALS_USER_AGENT
    page_size: int = 1000  # TRIALS_PAGE_SIZE: API v2 pageSize (the API's maximum is 1000)
    http_cache: bool = False  # TRIALS_HTTP_CACHE=1: Scrapy's HTTP cache under data_dir/httpcache
    download_delay: float = 0.5  # TRIALS_DOWNLOAD_DELAY: AutoThrottle's starting and minimum delay, seconds
    max_retry_delay: float = 300.0  # TRIALS_MAX_RETRY_DELAY: cap on a Retry-After wait, seconds
    retry_times: int = 5  # TRIALS_RETRY_TIMES: retries of a request answered 429/5xx or failing
    batch_size: int = 1000  # TRIALS_BATCH_SIZE: records written per store transaction and index commit
    # TRIALS_INDEX_PROCESS=1: a crawl's search index (the embedded one) is written by a process of its
    # own, beside the writer thread, instead of by it (indexer.ingest.index_process). Off by default.
    index_process: bool = False
    lock_timeout: float = 600.0  # TRIALS_LOCK_TIMEOUT: seconds a writer waits for another to finish
    # Crawls shared through Redis (`--redis-url`): TRIALS_STREAM_MAX_MB, the documents sent and not yet
    # stored beyond which crawlers wait for the writer; TRIALS_STREAM_WAIT, seconds a crawler waits for
    # the writer (its plan, room in the stream, its documents stored) and the writer for a first crawler.
    stream_max_mb: int = 256
    stream_wait: float = 600.0
    # TRIALS_MAX_DOCUMENT_MB: a file or zip member larger than this is a counted failure, not read
    max_document_mb: int = 200
    # TRIALS_ENGINE: None for the embedded tantivy index, or a cluster, e.g. opensearch://127.0.0.1:9200
    # or elasticsearch+https://host:9243/alias (credentials: TRIALS_ENGINE_USER/_PASSWORD/_API_KEY).
    engine: str | None = None
    # Watches (`trials watch run`).
    feed_entries: int = 100  # TRIALS_FEED_ENTRIES: entries a watch's Atom feed keeps across runs
    smtp_host: str = "localhost"  # TRIALS_SMTP_HOST: mail server for --mail-to
    smtp_port: int = 25  # TRIALS_SMTP_PORT (587 for submission with STARTTLS, 465 with TRIALS_SMTP_TLS=ssl)
    # TRIALS_SMTP_TLS: auto (STARTTLS when the server offers it), starttls (required), ssl, or none.
    smtp_tls: str = "auto"
    smtp_user: str | None = None  # TRIALS_SMTP_USER: log in when set (never over an unencrypted link)
    smtp_password: str | None = None  # TRIALS_SMTP_PASSWORD (never shown: see __repr__)
    smtp_timeout: float = 30.0  # TRIALS_SMTP_TIMEOUT: seconds
    mail_from: str | None = None  # TRIALS_MAIL_FROM; default trialscout@<this host's name>
    webhook_timeout: float = 10.0  # TRIALS_WEBHOOK_TIMEOUT: seconds per attempt of --webhook
    webhook_retries: int = 3  # TRIALS_WEBHOOK_RETRIES: further attempts after a failed POST (5xx, 429, network)
    webhook_retry_delay: float = 2.0  # TRIALS_WEBHOOK_RETRY_DELAY: seconds before the first retry, doubling
    # TRIALS_WEB_CACHE_MB: answers each `trials serve` process keeps until the data changes (0: none).
    web_cache_mb: int = 64

    def __repr__(self) -> str:  # a setting logged or shown in a traceback never shows the password
        values = {**self._asdict(), **({"smtp_password": "***"} if self.smtp_password else {})}
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in values.items()) + ")"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "trials.sqlite"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


SMTP_TLS = ("auto", "starttls", "ssl", "none")


class ConfigError(ValueError):
    """A setting's value, or the config file, cannot be used; the message names which."""


def _choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    if value.lower() not in allowed:
        raise ConfigError(f"{name}={value!r}: use one of {', '.join(allowed)}")
    return value.lower()


def _env_name(field_name: str) -> str:
    return "TRIALS_DATA" if field_name == "data_dir" else f"TRIALS_{field_name.upper()}"


_XDG = {
    "config": ("XDG_CONFIG_HOME", "~/.config"),
    "data": ("XDG_DATA_HOME", "~/.local/share"),
    "cache": ("XDG_CACHE_HOME", "~/.cache"),
}


def user_dir(kind: str, env: Mapping[str, str]) -> Path:
    """The per-user "config", "data" or "cache" directory of trialscout, as platformdirs gives it."""
    if sys.platform.startswith("linux"):
        # The XDG base directories, which is what platformdirs returns on Linux: every command reads
        # them, and importing platformdirs (and the tempfile and shutil it brings) costs 4-5 ms.
        var, default = _XDG[kind]
        # (a relative path there is ignored, as the XDG spec says and platformdirs does).
        named = env.get(var, "")
        if os.path.isabs(named):
            return Path(named) / "trialscout"
        home = os.path.expanduser(default)
        if not os.path.isabs(home):
            # No HOME and a user id without a passwd entry (a container's): "~" would stay as written,
            # a folder of that name made wherever the command runs.
            raise ConfigError(f"there is no home directory for trialscout's {kind} files: set HOME or {var}")
        return Path(home) / "trialscout"
    import platformdirs

    found = getattr(platformdirs, f"user_{kind}_dir")("trialscout")
    return Path(found)


def config_file(env: Mapping[str, str]) -> Path:
    named = env.get("TRIALS_CONFIG")
    return Path(named).expanduser() if named else user_dir("config", env) / "config.toml"


def _from_file(env: Mapping[str, str]) -> dict[str, str]:
    """The config file's settings, as the environment variables they stand for."""
    try:
        path = config_file(env)
    except ConfigError:  # no home directory, so no config file in it
        return {}
    if not path.is_file():
        if env.get("TRIALS_CONFIG"):
            raise ConfigError(f"TRIALS_CONFIG={path}: no such file")
        return {}
    import tomllib  # only when there is a file to read

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    known = set(Settings._fields)
    out = {}
    for key, value in data.items():
        if key not in known or isinstance(value, dict | list):
            raise ConfigError(f"{path}: unknown setting {key!r}; the settings are {', '.join(sorted(known))}")
        out[_env_name(key)] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def load(data_dir: str | Path | None = None, **overrides: object) -> Settings:
    """Settings from arguments, then the environment, then the config file, then defaults."""
    env = {**_from_file(os.environ), **os.environ}
    try:
        path = data_dir or env.get("TRIALS_DATA") or user_dir("data", env)
    except ConfigError as exc:
        raise ConfigError(f"{exc}, or give the data directory (--data-dir or TRIALS_DATA)") from exc
    try:
        values = _values(env)
    except ConfigError:
        raise
    except ValueError as exc:  # int("x") and the like
        raise ConfigError(f"a TRIALS_* setting is not a number: {exc}") from exc
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(data_dir=Path(path).expanduser(), **values)  # type: ignore[arg-type]


def _number(
    kind: type[float], env: Mapping[str, str], name: str, default: str, least: float, most: float = 1e12
) -> float:
    """A numeric setting, or ConfigError naming it and what it takes."""
    raw = env.get(name, default)
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not {'a whole number' if kind is int else 'a number'}") from None
    if not math.isfinite(value) or value < least or value > most:
        bounds = f"{least:g} to {most:g}" if most < 1e12 else f"at least {least:g}, finite"
        raise ConfigError(f"{name}={raw!r} is out of range: {bounds}")
    return value


def _values(env: Mapping[str, str]) -> dict[str, object]:
    return {
        "api_url": env.get("TRIALS_API_URL", API_URL),
        "user_agent": env.get("TRIALS_USER_AGENT", USER_AGENT),
        "page_size": _number(int, env, "TRIALS_PAGE_SIZE", "1000", 1),
        "http_cache": env.get("TRIALS_HTTP_CACHE", "") not in ("", "0", "false"),
        "download_delay": _number(float, env, "TRIALS_DOWNLOAD_DELAY", "0.5", 0),
        "max_retry_delay": _number(float, env, "TRIALS_MAX_RETRY_DELAY", "300", 0),
        "retry_times": _number(int, env, "TRIALS_RETRY_TIMES", "5", 0),
        "batch_size": _number(int, env, "TRIALS_BATCH_SIZE", "1000", 1),
        "index_process": env.get("TRIALS_INDEX_PROCESS", "") not in ("", "0", "false"),
        "lock_timeout": _number(float, env, "TRIALS_LOCK_TIMEOUT", "600", 0),
        "stream_max_mb": _number(int, env, "TRIALS_STREAM_MAX_MB", "256", 1),
        "stream_wait": _number(float, env, "TRIALS_STREAM_WAIT", "600", 0),
        "max_document_mb": _number(int, env, "TRIALS_MAX_DOCUMENT_MB", "200", 1),
        "engine": env.get("TRIALS_ENGINE") or None,
        "feed_entries": _number(int, env, "TRIALS_FEED_ENTRIES", "100", 1),
        "smtp_host": env.get("TRIALS_SMTP_HOST") or "localhost",
        "smtp_port": _number(int, env, "TRIALS_SMTP_PORT", "25", 1, 65535),
        "smtp_tls": _choice(env.get("TRIALS_SMTP_TLS", "auto"), "TRIALS_SMTP_TLS", SMTP_TLS),
        "smtp_user": env.get("TRIALS_SMTP_USER") or None,
        "smtp_password": env.get("TRIALS_SMTP_PASSWORD") or None,
        "smtp_timeout": _number(float, env, "TRIALS_SMTP_TIMEOUT", "30", 0),
        "mail_from": env.get("TRIALS_MAIL_FROM") or None,
        "webhook_timeout": _number(float, env, "TRIALS_WEBHOOK_TIMEOUT", "10", 0),
        "webhook_retries": _number(int, env, "TRIALS_WEBHOOK_RETRIES", "3", 0),
        "webhook_retry_delay": _number(float, env, "TRIALS_WEBHOOK_RETRY_DELAY", "2", 0),
        "web_cache_mb": _number(int, env, "TRIALS_WEB_CACHE_MB", "64", 0),
    }
