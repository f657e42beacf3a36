"""All configuration in one typed place, read from the environment.

A bad value stops start-up with a message naming the variable (see ``load_settings``).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_WEFACT_API_URL = "https://api.mijnwefact.nl/v2/"


class SettingsError(RuntimeError):
    """Raised when the environment holds a value the service cannot run with."""


class Settings(BaseSettings):
    """Service settings. Every field maps to the upper-case environment variable."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL. Unset: an embedded PostgreSQL runs in DATA_DIR.",
    )
    data_dir: Path = Field(default=Path(".data"), description="Where embedded data lives.")
    secret_key: str | None = Field(
        default=None,
        description="Encrypts stored WeFact keys. Generated into DATA_DIR on the embedded default.",
    )
    previous_secret_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated older SECRET_KEYs still accepted for decryption (rotation).",
    )
    wefact_api_url: str = Field(default=DEFAULT_WEFACT_API_URL)
    wefact_egress_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated outgoing addresses users must whitelist in WeFact.",
    )
    wefact_calls_per_minute: int = Field(
        default=500,
        ge=10,
        description=(
            "WeFact's calls a minute per server address, assumed until its rate-limit headers "
            "say otherwise; the shared budget's margin and reserve are shares of it."
        ),
    )
    wefact_calls_per_hour: int = Field(
        default=5000,
        ge=10,
        description="WeFact's calls an hour per server address (as WEFACT_CALLS_PER_MINUTE).",
    )
    allow_private_integration_urls: bool = False
    graphiql: bool = True
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Comma-separated origins (scheme://host[:port]) whose pages may call the API from "
            "a browser; `*` for any origin (then without credentials). Empty: no CORS headers."
        ),
    )
    log_level: str = "INFO"
    run_wait_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a mutation that starts a run waits for it before answering.",
    )
    run_worker_in_process: bool | None = Field(
        default=None,
        description="Run one job worker inside `serve`. Unset: on the embedded default and --demo.",
    )
    run_stalled_seconds: float = Field(
        default=60.0,
        ge=15,
        description="A worker silent this long is presumed dead; its runs are resumed or failed.",
    )
    receipt_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        le=64 * 1024 * 1024,
        description="Largest expense receipt accepted (bytes); larger ones are refused.",
    )
    run_max_attempts: int = Field(
        default=3,
        ge=1,
        description="How often a run is started before a crash-interrupted run is given up.",
    )

    # -- webhooks (see graphql_api/services/webhooks) --------------------------------------
    webhook_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="A webhook receiver that has not answered after this long is cut off.",
    )
    webhook_retry_first_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Wait before the first retry of a failed webhook; each next wait is 4×.",
    )
    webhook_retry_max_delay_seconds: float = Field(
        default=10 * 3600.0, gt=0, description="Longest wait between two webhook attempts."
    )
    webhook_retry_window_seconds: float = Field(
        default=3 * 24 * 3600.0,
        gt=0,
        description="How long a webhook is retried; an endpoint failing this long is disabled.",
    )
    webhook_concurrency: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Webhook deliveries one worker makes at once (their own lane).",
    )

    # -- limits on what one request may cost (see schema/limits.py, resolvers/http.py) ------
    request_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A request still running after this long is cancelled and answered 503.",
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest request body accepted; a larger one is answered 413.",
    )
    graphql_max_query_length: int = Field(
        default=100_000, ge=100, description="Most characters a query text may have."
    )
    graphql_max_depth: int = Field(
        default=12, ge=1, description="Deepest nesting of fields with a selection set."
    )
    graphql_max_cost: int = Field(
        default=25_000,
        ge=1,
        description="Most objects a response may contain (each list counts its `first`, else 100).",
    )
    graphql_document_cache_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="Memory (estimated) for parsed documents kept for reuse, LRU.",
    )
    graphql_introspection: bool = Field(
        default=True, description="Answer introspection (`__schema`, `__type`); GraphiQL needs it."
    )
    compiled_reads: bool = Field(
        default=True,
        description="Answer the lists and node lookups the compiler covers with one SQL "
        "statement each (README: Compiled reads); off: every query executes field by field.",
    )
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto",
        description="auto: human-readable lines on a terminal, JSON lines otherwise.",
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Wrong passwords for one account before login waits (per window).",
    )
    login_max_failures_per_address: int = Field(
        default=30,
        ge=1,
        description="Failed logins from one client address before login waits.",
    )
    login_window_seconds: int = Field(
        default=900, ge=1, description="How long failed logins are counted and login waits."
    )
    idempotency_ttl_hours: float = Field(
        default=24.0, gt=0, description="How long an Idempotency-Key's answer is kept."
    )
    testing_crash_point: Literal[
        "", "before-idempotent-commit", "after-idempotent-commit", "after-run-commit"
    ] = Field(
        default="",
        description="Tests only: kill the process (SIGKILL) at this point of a request.",
    )

    @model_validator(mode="after")
    def _timeout_outlasts_run_wait(self) -> Settings:
        if self.request_timeout_seconds <= self.run_wait_seconds:
            raise ValueError(
                "REQUEST_TIMEOUT_SECONDS must be longer than RUN_WAIT_SECONDS "
                f"({self.run_wait_seconds:g}): mutations that start a run wait that long"
            )
        return self

    @field_validator("wefact_egress_ips", "previous_secret_keys", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _check_cors_origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list):
            return value
        origins = [cors_origin(str(item)) for item in value]
        if "*" in origins and len(origins) > 1:
            raise ValueError("`*` allows every origin; give it alone or list the origins")
        return list(dict.fromkeys(origins))

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("postgresql://", "postgres://", "postgresql+asyncpg://")):
            raise ValueError("must be a PostgreSQL URL such as postgresql://user@host:5432/db")
        return value

    @field_validator("wefact_api_url")
    @classmethod
    def _check_wefact_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return upper

    @property
    def uses_embedded_database(self) -> bool:
        """True when no DATABASE_URL is set and the service runs its own PostgreSQL."""
        return self.database_url is None

    def resolved_secret_key(self) -> str:
        """The secret key; on the embedded default one is generated once into DATA_DIR."""
        if self.secret_key:
            return self.secret_key
        if not self.uses_embedded_database:
            raise SettingsError("SECRET_KEY: required when DATABASE_URL is set")
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


def cors_origin(value: str) -> str:
    """One CORS_ORIGINS entry as browsers send it in ``Origin`` (a trailing slash dropped)."""
    if value == "*":
        return value
    parts = urlsplit(value.rstrip("/"))
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{value!r} is not an origin such as https://app.example.com")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(
            f"{value!r}: an origin is scheme://host[:port] only, without path or query"
        )
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{value!r} has an invalid port") from None
    # Browsers send the scheme and host in lower case and leave out a default port.
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; turn validation errors into one clear message."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            problems.append(f"{name}: {error['msg']}")
        raise SettingsError("Invalid configuration: " + "; ".join(problems)) from None
    if not settings.uses_embedded_database and not settings.secret_key:
        raise SettingsError("Invalid configuration: SECRET_KEY: required when DATABASE_URL is set")
    return settings
