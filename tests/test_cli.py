"""`python -m api`: configuration checked at start-up, maintenance commands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow]


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


def test_the_data_folder_and_its_files_are_the_owners_only(tmp_path: Path) -> None:
    import stat

    from tests.support import ProcessServer, new_pair

    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "attune.db").touch(mode=0o644)  # as an older version left it
    server = ProcessServer({"ATTUNE_DATA_DIR": str(data)}).start()
    try:
        a, _ = new_pair(server)  # writes: the WAL and its index exist now
        assert a.post("/boundaries", json={"label": "Holding hands"}).status_code == 201
        files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in data.iterdir()}
    finally:
        server.stop()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert {"attune.db", "attune.db-wal", "attune.db-shm", "keys.json", "vapid.pem"} <= set(
        files), files
    assert {name: mode for name, mode in files.items() if mode != 0o600} == {}


def test_production_mode_refuses_default_secrets_and_debug(tmp_path: Path) -> None:
    refused = run(ATTUNE_ENVIRONMENT="production", ATTUNE_DEBUG="true",
                  ATTUNE_DATA_DIR=str(tmp_path))
    assert refused.returncode == 2
    for needed in ("ATTUNE_DEBUG must be off", "ATTUNE_ALLOWED_ORIGINS", "ATTUNE_KEYS_FILE",
                   "ATTUNE_VAPID_KEY_FILE", "DATABASE_URL"):
        assert needed in refused.stderr
    assert not (tmp_path / "keys.json").exists()  # and no secret was made


def test_metrics_are_scraped_without_anyone_in_them(tmp_path: Path) -> None:
    import httpx

    from tests.support import ProcessServer, new_pair

    server = ProcessServer({"ATTUNE_DATA_DIR": str(tmp_path)}).start()
    try:
        a, b = new_pair(server)
        with a.live() as la, b.live() as lb:
            seq = la.command("pause")["seq"]
            lb.expect("pause")
            lb.send({"type": "receipt", "seq": seq, "status": "seen"})
            la.expect("receipt")
            scraped = httpx.get(server.url + "/metrics")
            assert scraped.status_code == 200
            text = scraped.text
            assert "attune_open_sockets 2.0" in text
        assert 'attune_events_total{type="pause"} 1.0' in text
        assert 'attune_signal_handling_seconds_count{type="pause"} 1.0' in text
        assert 'attune_receipts_total{status="seen"} 1.0' in text
        commits = re.search(r"^attune_sqlite_commit_seconds_count (\S+)$", text, re.M)
        assert commits and float(commits[1]) >= 4  # two sign-ups, the pairing, the pause
        # Routes are labelled by template, never by a concrete id.
        assert 'attune_http_request_seconds_count{method="POST",route="/pair/join"' in text
        for private in (a.id, b.id, a.username, b.token):
            assert private not in text
    finally:
        server.stop()


def test_backup_while_running_then_move_up_to_postgres(tmp_path: Path) -> None:
    import sqlite3

    from tests.api.test_boundaries import add
    from tests.support import (
        ProcessServer,
        drop_postgres_database,
        fresh_postgres_database,
        new_pair,
    )

    data = tmp_path / "data"
    server = ProcessServer({"ATTUNE_DATA_DIR": str(data)}).start()
    try:
        a, b = new_pair(server)
        add(a, "Carried across")
        with a.live() as la:
            la.command("pause")
            copied = run("backup", "--to", str(tmp_path / "copy.db"), ATTUNE_DATA_DIR=str(data))
            assert copied.returncode == 0, copied.stderr
            assert la.command("slow")["type"] == "ack"  # writes went on meanwhile
    finally:
        server.stop()
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM account").fetchone() == (2,)

    url = fresh_postgres_database()
    try:
        moved = run("move-to-postgres", "--to", url, ATTUNE_DATA_DIR=str(data))
        assert moved.returncode == 0, moved.stderr
        assert "2 account" in moved.stdout
        again = run("move-to-postgres", "--to", url, ATTUNE_DATA_DIR=str(data))
        assert again.returncode != 0 and "not empty" in again.stderr
        upgraded = ProcessServer({"DATABASE_URL": url,
                                  "ATTUNE_KEYS_FILE": str(data / "keys.json"),
                                  "ATTUNE_VAPID_KEY_FILE": str(data / "vapid.pem"),
                                  "ATTUNE_DATA_DIR": str(tmp_path / "unused")}).start()
        try:
            a.server = b.server = upgraded
            a.http.base_url = b.http.base_url = upgraded.url + "/api/v1"
            assert [i["label"] for i in b.get("/boundaries").json()["items"]] == \
                ["Carried across"]
            signal = b.get("/signal").json()
            assert (signal["state"], signal["by"], signal["mine"]) == ("slow", [a.id], None)
            assert signal["theirs"]["state"] == "slow"
            with b.live() as lb:  # the whole sealed log came across and replays
                assert lb.expect("pause")["actor"] == a.id
                assert lb.expect("slow")["actor"] == a.id
        finally:
            upgraded.stop()
    finally:
        drop_postgres_database(url)


def test_a_keyring_other_than_the_databases_is_refused_at_start(tmp_path: Path) -> None:
    """A second instance pointed at another keys file (here a missing one, which the
    embedded default would make anew) must not start on a database it cannot read."""
    import json

    from tests.support import (
        ProcessServer,
        drop_postgres_database,
        fresh_postgres_database,
        register,
    )

    url = fresh_postgres_database()
    try:
        right = {"DATABASE_URL": url, "ATTUNE_DATA_DIR": str(tmp_path / "one"),
                 "ATTUNE_KEYS_FILE": str(tmp_path / "right.json")}
        wrong = {**right, "ATTUNE_DATA_DIR": str(tmp_path / "two"),
                 "ATTUNE_KEYS_FILE": str(tmp_path / "other.json")}
        first = ProcessServer(right).start()
        try:
            person = register(first)
            refused = run(**wrong)
            assert refused.returncode == 2, refused.stderr
            assert str(tmp_path / "other.json") in refused.stderr
            assert "not the keyring this database was sealed with" in refused.stderr
            ring = json.loads((tmp_path / "other.json").read_text())
            for secret in [ring["index_key"], *ring["keys"].values()]:
                assert secret not in refused.stderr + refused.stdout
            second = ProcessServer(wrong)
            with pytest.raises(RuntimeError, match="exited"):
                second.start()
            assert second.proc is not None and second.proc.returncode == 2
            same = ProcessServer({**right, "ATTUNE_DATA_DIR": str(tmp_path / "two")}).start()
            try:  # with the same keys, the second instance starts and reads it all
                person.http.base_url = same.url + "/api/v1"
                assert person.get("/me").json()["display_name"] == person.display_name
            finally:
                same.stop()
        finally:
            first.stop()
    finally:
        drop_postgres_database(url)


def test_after_a_rotation_the_rotated_keys_start_and_the_old_file_is_refused(
    tmp_path: Path,
) -> None:
    import shutil

    data = {"ATTUNE_DATA_DIR": str(tmp_path)}
    assert run("migrate", **data).returncode == 0  # the first start writes the check
    shutil.copy(tmp_path / "keys.json", tmp_path / "before.json")
    rotated = run("rotate-keys", **data)
    assert rotated.returncode == 0, rotated.stderr
    assert run("migrate", **data).returncode == 0
    old = run("migrate", **data, ATTUNE_KEYS_FILE=str(tmp_path / "before.json"))
    assert old.returncode == 2 and str(tmp_path / "before.json") in old.stderr
