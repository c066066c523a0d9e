"""Settings of the service, read once from the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

FRONTEND = Path(__file__).resolve().parent.parent / "frontend"


class Settings(BaseSettings):
    """Every setting of the service, with its default; see the README's table."""

    model_config = SettingsConfigDict(env_prefix="ATTUNE_", extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=Path("data"), validation_alias=AliasChoices("ATTUNE_DATA_DIR", "data_dir")
    )
    # The PWA served at / (its sw.js carries a version worked out from these files).
    frontend_dir: Path = FRONTEND
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "database_url")
    )
    # A file holding the database password (a compose secret), for a URL without one.
    postgres_password_file: Path | None = None
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "redis_url")
    )
    # A file holding the Redis password (a compose secret), for a URL without one.
    redis_password_file: Path | None = None
    # The keyring file (a compose secret in production); default: keys.json in data_dir.
    keys_file: Path | None = None
    # Web Push: the VAPID private key (PEM; made on first run in data_dir outside
    # production) and the contact the push services may write to.
    vapid_key_file: Path | None = None
    vapid_subject: str = "mailto:privacy@attune.invalid"
    push_ttl_seconds: Annotated[int, Field(ge=60, le=86_400)] = 3600
    # Where a push may be sent: https hosts ending in one of these (the browsers' push
    # services), or an exact "scheme://host" an operator lists (a relay they run).
    # Nothing else: a subscription is a URL the server will POST to.
    push_services: Annotated[list[str], NoDecode] = Field(default_factory=lambda: [
        "fcm.googleapis.com", "push.services.mozilla.com", "push.apple.com",
        "notify.windows.com"])
    environment: Annotated[str, Field(pattern="^(development|production)$")] = "development"
    # Human-readable logs instead of JSON lines; never in production.
    debug: bool = False
    # Browser origins allowed besides the service's own (its Host); production needs one.
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Addresses whose X-Forwarded-For we believe (a reverse proxy); empty means none.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    token_idle_minutes: Annotated[int, Field(ge=5, le=60 * 24 * 90)] = 60 * 24 * 14
    token_absolute_days: Annotated[int, Field(ge=1, le=365)] = 90
    invite_minutes: Annotated[int, Field(ge=1, le=60)] = 15

    max_body_bytes: Annotated[int, Field(ge=1024, le=1 << 20)] = 64 * 1024
    register_per_minute: Annotated[int, Field(ge=1)] = 10
    login_per_minute: Annotated[int, Field(ge=1)] = 30
    # Failed logins for one username from one address before each further try waits.
    login_free_failures: Annotated[int, Field(ge=1)] = 5
    join_wrong_guesses: Annotated[int, Field(ge=1)] = 5
    # Writes one person may make a minute over REST (a flood guard, far above real use).
    person_writes_per_minute: Annotated[int, Field(ge=1)] = 300

    hash_workers: Annotated[int, Field(ge=1, le=32)] = 2

    heartbeat_seconds: Annotated[float, Field(gt=0, le=60)] = 10.0
    # The server closes a socket it heard nothing from for this long.
    dead_after_seconds: Annotated[float, Field(gt=0, le=300)] = 25.0
    hello_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 10.0
    socket_queue_limit: Annotated[int, Field(ge=8, le=100_000)] = 256
    # Open sockets one sign-in may hold on an instance; a new one beyond closes the oldest.
    sockets_per_device: Annotated[int, Field(ge=1, le=100)] = 8
    socket_commands_per_second: Annotated[float, Field(gt=0)] = 20.0
    socket_command_burst: Annotated[int, Field(ge=1)] = 40
    # A signal that makes one's own signal stronger (clear -> slow -> paused) always goes
    # through at once. Lifting it, easing it or repeating it is limited per person after
    # this burst, to this many a minute: nobody flips a pause that fast, a script does.
    signal_easing_burst: Annotated[int, Field(ge=1)] = 20
    signal_easing_per_minute: Annotated[float, Field(gt=0)] = 30.0
    # Shortest session, check-in interval and grace the API accepts (tests go lower).
    min_session_seconds: Annotated[int, Field(ge=1)] = 60
    min_checkin_seconds: Annotated[int, Field(ge=1)] = 60
    min_grace_seconds: Annotated[int, Field(ge=1)] = 10
    next_day_hours: Annotated[float, Field(gt=0, le=72)] = 20.0
    # No asking again at once: after a partner's "not now" on an activity or phrase, how
    # long before the other can raise it again; after a declined session (or a pause in
    # one), the rest of the proposer's day, but at least this long.
    cooling_item_hours: Annotated[float, Field(gt=0, le=24 * 30)] = 24.0
    cooling_phrase_hours: Annotated[float, Field(gt=0, le=24 * 30)] = 24.0
    cooling_session_min_hours: Annotated[float, Field(ge=0, le=24)] = 4.0
    scheduler_tick_seconds: Annotated[float, Field(gt=0, le=5)] = 0.25
    # How often an instance re-reads the log for its sockets' pairs, as a safety net.
    sweep_seconds: Annotated[float, Field(gt=0, le=60)] = 2.0

    @model_validator(mode="after")
    def _production_is_strict(self) -> Settings:
        if self.environment != "production":
            return self
        problems = []
        if self.debug:
            problems.append("ATTUNE_DEBUG must be off")
        if not self.allowed_origins:
            problems.append("ATTUNE_ALLOWED_ORIGINS must list the app's origin(s)")
        if self.keys_file is None:
            problems.append("ATTUNE_KEYS_FILE must point at the keyring secret")
        if self.vapid_key_file is None:
            problems.append("ATTUNE_VAPID_KEY_FILE must point at the VAPID key secret")
        if not self.database_url:
            problems.append("DATABASE_URL must be set")
        if problems:
            raise ValueError("production mode refuses to start: " + "; ".join(problems))
        return self

    @field_validator("trusted_proxies", "allowed_origins", "push_services", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL, with the async driver this service uses."""
        url = self.database_url or f"sqlite:///{(self.data_dir / 'attune.db').resolve()}"
        for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
            if url.startswith(prefix):
                rest = url[len(prefix) :]
                user, at, host = rest.partition("@")
                if at and ":" not in user and self.postgres_password_file is not None:
                    secret = quote(self.postgres_password_file.read_text().strip(), safe="")
                    rest = f"{user}:{secret}@{host}"
                return "postgresql+asyncpg://" + rest
        if url.startswith("sqlite:///") or url.startswith("sqlite+aiosqlite:///"):
            return "sqlite+aiosqlite:///" + url.split(":///", 1)[1]
        raise ValueError("DATABASE_URL must be a postgresql:// or sqlite:/// URL")

    @property
    def resolved_redis_url(self) -> str | None:
        """The Redis URL, with the password from its file when the URL has none."""
        url = self.redis_url
        if url is None or self.redis_password_file is None:
            return url
        scheme, sep, rest = url.partition("://")
        user, at, host = rest.rpartition("@")
        if at and ":" in user:
            return url
        secret = quote(self.redis_password_file.read_text().strip(), safe="")
        return f"{scheme}{sep}{user}:{secret}@{host}"

    @property
    def keyring_path(self) -> Path:
        """Where the encryption keys are read from."""
        return self.keys_file or self.data_dir / "keys.json"

    @property
    def vapid_path(self) -> Path:
        """Where the VAPID private key is read from."""
        return self.vapid_key_file or self.data_dir / "vapid.pem"

    @property
    def is_sqlite(self) -> bool:
        """True on the embedded default."""
        return self.resolved_database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> str:
        """The embedded database's file (on the embedded default)."""
        return self.resolved_database_url.split(":///", 1)[1]


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
