"""Settings from environment variables, each with a documented default.

The platform's settings are read here; a process's own (gateway/settings.py,
services/<svc>/settings.py) are read with the same helpers and documented in the same
way. A deployment (or a test) changes a setting by exporting a variable and nothing else.
The defaults are the local machine's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

SERVICES = ("identity", "crm")
"""The services of the suite, in start order. `make up`, the tests and k8s read this."""

HTTP_PORTS = {"gateway": 8000, "identity": 8101, "crm": 8102}
"""Each process's HTTP port (health, metrics) unless BUREAU_HTTP_PORT says otherwise."""


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one process.

    | variable                       | default                                   |
    |--------------------------------|-------------------------------------------|
    | BUREAU_AMQP_URI                | amqp://guest:guest@127.0.0.1:5672/        |
    | BUREAU_AMQP_MANAGEMENT_URI     | http://guest:guest@127.0.0.1:15672        |
    | BUREAU_PG_HOST / _PORT         | 127.0.0.1 / 5432                          |
    | BUREAU_PG_ADMIN_URL            | postgresql://postgres@127.0.0.1:5432/postgres |
    | BUREAU_DB_PREFIX               | bureau  (databases are <prefix>_<service>)|
    | BUREAU_DATABASE_URL            | derived: the service's app role           |
    | BUREAU_MIGRATION_DATABASE_URL  | derived: the service's owner role         |
    | BUREAU_DB_PASSWORD             | empty (trust auth locally)                |
    | BUREAU_REDIS_URL               | redis://127.0.0.1:6379/0                  |
    | BUREAU_RPC_TIMEOUT             | 10 (seconds)                              |
    | BUREAU_SHUTDOWN_TIMEOUT        | 20 (seconds to finish in-flight work)     |
    | BUREAU_MAX_WORKERS             | 10 (nameko workers per process)           |
    | BUREAU_HTTP_PORT               | per process, see HTTP_PORTS               |
    | BUREAU_LOG_LEVEL               | INFO                                      |
    | BUREAU_JWT_ISSUER              | http://127.0.0.1:8000 (identity signs, gateway checks) |
    """

    amqp_uri: str
    amqp_management_uri: str
    pg_host: str
    pg_port: int
    pg_admin_url: str
    db_prefix: str
    db_password: str
    redis_url: str
    rpc_timeout: float
    shutdown_timeout: float
    max_workers: int
    log_level: str
    jwt_issuer: str

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            amqp_uri=env("BUREAU_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
            amqp_management_uri=env(
                "BUREAU_AMQP_MANAGEMENT_URI", "http://guest:guest@127.0.0.1:15672"
            ),
            pg_host=env("BUREAU_PG_HOST", "127.0.0.1"),
            pg_port=env_int("BUREAU_PG_PORT", 5432),
            pg_admin_url=env(
                "BUREAU_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
            ),
            db_prefix=env("BUREAU_DB_PREFIX", "bureau"),
            db_password=env("BUREAU_DB_PASSWORD", ""),
            redis_url=env("BUREAU_REDIS_URL", "redis://127.0.0.1:6379/0"),
            rpc_timeout=env_float("BUREAU_RPC_TIMEOUT", 10.0),
            shutdown_timeout=env_float("BUREAU_SHUTDOWN_TIMEOUT", 20.0),
            max_workers=env_int("BUREAU_MAX_WORKERS", 10),
            log_level=env("BUREAU_LOG_LEVEL", "INFO"),
            jwt_issuer=env("BUREAU_JWT_ISSUER", "http://127.0.0.1:8000"),
        )

    def database_name(self, service: str) -> str:
        return f"{self.db_prefix}_{service}"

    def role_name(self, service: str, kind: str) -> str:
        """`kind` is "owner" (owns tables, runs migrations) or "app" (what the service runs as)."""
        return f"{self.db_prefix}_{service}_{kind}"

    def _url(self, service: str, kind: str) -> str:
        auth = self.role_name(service, kind)
        if self.db_password:
            auth += f":{self.db_password}"
        return (
            f"postgresql+psycopg://{auth}@{self.pg_host}:{self.pg_port}/"
            f"{self.database_name(service)}"
        )

    def database_url(self, service: str) -> str:
        """URL of the service's unprivileged role: row-level security applies to it."""
        return os.environ.get("BUREAU_DATABASE_URL") or self._url(service, "app")

    def migration_database_url(self, service: str) -> str:
        return os.environ.get("BUREAU_MIGRATION_DATABASE_URL") or self._url(service, "owner")

    def http_port(self, process: str) -> int:
        """BUREAU_HTTP_PORT wins; else the process's default port (8080 for one not listed)."""
        return env_int("BUREAU_HTTP_PORT", HTTP_PORTS.get(process, 8080))


def settings() -> Settings:
    """Read the environment now (tests change it between cases)."""
    return Settings.from_env()
