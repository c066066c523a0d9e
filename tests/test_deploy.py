"""The production shape, checked here although Docker does not run on this machine."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from api.config import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"


def test_compose_file_validates_against_the_compose_specification() -> None:
    checker = shutil.which("check-jsonschema") or str(Path(sys.executable).parent /
                                                      "check-jsonschema")
    result = subprocess.run([checker, "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_service_the_app_needs_is_there_with_a_healthcheck() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert {"api-1", "api-2", "postgres", "redis", "proxy"} <= set(services)
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert "postgres-data" in compose["volumes"]
    assert any("postgres-data:" in v for v in services["postgres"]["volumes"])
    for api in ("api-1", "api-2"):
        env = services[api]["environment"]
        assert env["ATTUNE_ENVIRONMENT"] == "production"
        assert env["REDIS_URL"].startswith("redis://redis")
        assert env["DATABASE_URL"].startswith("postgresql://") and ":" not in \
            env["DATABASE_URL"].split("//")[1].split("@")[0]  # no password inline
        assert services[api]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_secrets_come_from_files_not_the_environment() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    assert all("file" in s for s in compose["secrets"].values())
    env = compose["services"]["api-1"]["environment"]
    for name, value in env.items():
        if any(word in name for word in ("KEY", "SECRET", "PASSWORD")):
            assert name.endswith("_FILE") and str(value).startswith("/run/secrets/"), name
    assert compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"]
    # The production settings accept exactly this shape (secrets as files).
    prod = Settings(environment="production", allowed_origins=["https://a.example"],
                    keys_file=Path("/run/secrets/keys"),
                    vapid_key_file=Path("/run/secrets/vapid"),
                    database_url=env["DATABASE_URL"])
    assert prod.resolved_database_url.startswith("postgresql+asyncpg://attune@postgres")


def test_the_password_file_completes_the_database_url(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cr:t/pass\n")
    settings = Settings(database_url="postgresql://attune@db:5432/attune",
                        postgres_password_file=secret)
    assert settings.resolved_database_url == \
        "postgresql+asyncpg://attune:s3cr%3At%2Fpass@db:5432/attune"


def test_the_dockerfile_runs_what_the_readme_runs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    readme = (ROOT / "README.md").read_text()
    cmd = re.search(r'^CMD \["python", "-m", "api"(.*)\]$', dockerfile, re.MULTILINE)
    assert cmd is not None
    assert "`python -m api`" in readme
    assert re.search(r"^FROM python:3\.11-slim\s*$", dockerfile, re.MULTILINE)
    assert re.search(r"^USER attune$", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and "/readyz" in dockerfile
    build_stage = dockerfile.split("FROM python:3.11-slim\n", 1)[1]
    assert "gcc" not in build_stage and "build-essential" not in build_stage


def test_the_proxy_balances_both_instances_and_websockets() -> None:
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy api-1:8000 api-2:8000" in caddyfile
    assert "health_uri /readyz" in caddyfile


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias.choices[0] if field.validation_alias else (  # type: ignore[union-attr]
            "ATTUNE_" + name.upper())
        assert f"| `{alias}` |" in readme, f"{alias} is missing from the README's table"


def test_production_mode_serves_no_interactive_docs(tmp_path: Path) -> None:
    from api.main import create_app

    production = create_app(Settings(
        environment="production", allowed_origins=["https://a.example"],
        keys_file=tmp_path / "k", vapid_key_file=tmp_path / "v",
        database_url="postgresql://attune@db/attune"))
    development = create_app(Settings(data_dir=tmp_path))
    assert production.docs_url is None and production.redoc_url is None
    assert development.docs_url == "/api/v1/docs"
