"""The production shape, checked here although Docker does not run on this machine.

Most of these READ the files (docker-compose.yml, the Dockerfile, the Caddyfile,
requirements.lock) as text or YAML, and their names say so: nothing here builds an
image or starts a container. What can run here does: the compose file is validated
against the Compose Specification, the settings are built as production builds them,
and the API is started as `python -m api` to show whom it believes about an address.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from packaging.requirements import Requirement

from api.config import Settings
from tests.support import ProcessServer, random_address, unique_name

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def test_compose_file_validates_against_the_compose_specification() -> None:
    checker = shutil.which("check-jsonschema") or str(Path(sys.executable).parent /
                                                      "check-jsonschema")
    result = subprocess.run([checker, "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_text_has_every_service_the_app_needs_with_a_healthcheck() -> None:
    compose = _compose()
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


def test_compose_text_takes_secrets_from_files_not_the_environment() -> None:
    compose = _compose()
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


def test_the_redis_password_file_completes_the_redis_url(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cr:t/pass\n")
    settings = Settings(redis_url="redis://redis:6379/0", redis_password_file=secret)
    assert settings.resolved_redis_url == "redis://:s3cr%3At%2Fpass@redis:6379/0"
    given = Settings(redis_url="redis://:own@redis:6379/0", redis_password_file=secret)
    assert given.resolved_redis_url == "redis://:own@redis:6379/0"


def test_dockerfile_text_runs_what_the_readme_runs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    readme = (ROOT / "README.md").read_text()
    cmd = re.search(r'^CMD \["python", "-m", "api"(.*)\]$', dockerfile, re.MULTILINE)
    assert cmd is not None
    assert "`python -m api`" in readme
    bases = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert len(bases) == 2 and all(b.startswith("python:3.11-slim@sha256:") for b in bases)
    assert re.search(r"^USER attune$", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and "/readyz" in dockerfile
    assert "gcc" not in dockerfile and "build-essential" not in dockerfile
    # The app the image serves is the one copied into it (the package is in site-packages).
    frontend = re.search(r"^COPY frontend (\S+)$", dockerfile, re.MULTILINE)
    assert frontend is not None and f"ATTUNE_FRONTEND_DIR={frontend.group(1)}" in dockerfile
    # The data folder exists, owned by the user the API runs as, and no one else's.
    assert re.search(r"install -d -o attune -g attune -m 0700 .*/app/data", dockerfile)


def test_every_image_is_pinned_by_digest() -> None:
    images = [s["image"] for s in _compose()["services"].values() if "image" in s]
    images += re.findall(r"^FROM (\S+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert len(images) == 5
    for image in images:
        assert DIGEST.search(image), f"{image} is not pinned by digest"


def test_dockerfile_text_installs_exactly_the_lock_file() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-cache-dir --no-deps ." in dockerfile  # nothing resolved anew
    lock = (ROOT / "requirements.lock").read_text()
    pinned = dict(re.findall(r"^([a-z0-9-]+)==(\S+) \\$", lock, re.MULTILINE))
    entries = re.split(r"\n(?=[a-z])", lock.strip())
    assert all("--hash=sha256:" in entry for entry in entries), "every pin has its hashes"
    project = (ROOT / "pyproject.toml").read_text()
    listed = project.split("dependencies = [", 1)[1].split("]\n", 1)[0]
    for line in re.findall(r'^\s+"([^"]+)",', listed, re.MULTILINE):
        wanted = Requirement(line)
        name = re.sub(r"[-_.]+", "-", wanted.name).lower()
        assert name in pinned, f"{name} is not in requirements.lock (make lock)"
        assert wanted.specifier.contains(pinned[name]), f"{name}=={pinned[name]}: make lock"


def test_caddyfile_text_balances_both_instances_and_hides_the_metrics() -> None:
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy api-1:8000 api-2:8000" in caddyfile
    assert "health_uri /readyz" in caddyfile
    matcher = re.search(r"^\s*@(\w+) path /metrics /metrics/\*$", caddyfile, re.MULTILINE)
    assert matcher is not None
    assert re.search(rf"^\s*respond @{matcher.group(1)} 404$", caddyfile, re.MULTILINE)


def test_compose_text_trusts_only_the_proxy_and_locks_the_stores_away() -> None:
    compose = _compose()
    services = compose["services"]
    proxy_address = services["proxy"]["networks"]["edge"]["ipv4_address"]
    subnet = compose["networks"]["edge"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(proxy_address) in ipaddress.ip_network(subnet)
    for api in ("api-1", "api-2"):
        env = services[api]["environment"]
        assert env["ATTUNE_TRUSTED_PROXIES"] == proxy_address  # not "*", not a range
        assert env["ATTUNE_REDIS_PASSWORD_FILE"] == "/run/secrets/redis_password"
        assert "ports" not in services[api]  # reached through the proxy only
    assert compose["networks"]["store"]["internal"] is True
    for store in ("postgres", "redis"):
        assert services[store]["networks"] == ["store"] and "ports" not in services[store]
    redis = services["redis"]
    assert "--requirepass" in " ".join(redis["command"]) and "redis_password" in redis["secrets"]
    assert "redis_password" in " ".join(redis["healthcheck"]["test"])


@pytest.mark.slow
def test_the_api_believes_only_its_proxy_about_a_client_address(tmp_path: Path) -> None:
    """`python -m api` as compose runs it: addresses claimed by anyone but the proxy are
    ignored, so rotating X-Forwarded-For does not escape the per-address limits."""

    def register_four(server: ProcessServer) -> list[int]:
        return [httpx.post(server.url + "/api/v1/auth/register", timeout=30,
                           headers={"X-Forwarded-For": random_address()},
                           json={"username": unique_name(), "password": "a walk by the sea"}
                           ).status_code for _ in range(4)]

    env = {"ATTUNE_DATA_DIR": str(tmp_path / "one"), "ATTUNE_REGISTER_PER_MINUTE": "3"}
    believing = ProcessServer({**env, "ATTUNE_TRUSTED_PROXIES": "127.0.0.1"}).start()
    try:
        assert register_four(believing) == [201] * 4  # the control: the header counts here
    finally:
        believing.stop()
    env["ATTUNE_DATA_DIR"] = str(tmp_path / "two")
    compose_like = ProcessServer({**env, "ATTUNE_TRUSTED_PROXIES": "172.30.0.2"}).start()
    try:
        assert register_four(compose_like) == [201, 201, 201, 429]
    finally:
        compose_like.stop()


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
