"""`python -m api`: configuration checked at start-up, maintenance commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api", *args], cwd=ROOT, text=True,
                          capture_output=True, env={**os.environ, **env}, timeout=60)


def test_migrate_and_compact_on_a_fresh_data_folder(tmp_path: Path) -> None:
    assert run("migrate", ATTUNE_DATA_DIR=str(tmp_path)).returncode == 0
    assert (tmp_path / "attune.db").exists()
    compacted = run("compact", "--keep", "100", ATTUNE_DATA_DIR=str(tmp_path))
    assert compacted.returncode == 0 and "compacted 0 events" in compacted.stdout


def test_a_bad_setting_stops_start_up_with_a_clear_message(tmp_path: Path) -> None:
    bad_url = run(DATABASE_URL="mysql://nope", ATTUNE_DATA_DIR=str(tmp_path))
    assert bad_url.returncode == 2 and "DATABASE_URL" in bad_url.stderr
    bad_number = run(ATTUNE_HEARTBEAT_SECONDS="often", ATTUNE_DATA_DIR=str(tmp_path))
    assert bad_number.returncode == 2 and "heartbeat_seconds" in bad_number.stderr


def test_the_embedded_default_starts_and_serves(tmp_path: Path) -> None:
    import httpx

    from tests.support import ProcessServer

    server = ProcessServer({"ATTUNE_DATA_DIR": str(tmp_path / "fresh")}).start()
    try:
        assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
        assert httpx.get(server.url + "/readyz").status_code == 200
        spec = httpx.get(server.url + "/api/v1/openapi.json").json()
        assert spec["info"]["title"] == "Attune"
    finally:
        server.stop()
    assert (tmp_path / "fresh" / "attune.db").exists()
