"""The committed JSON Schema matches the Pydantic models."""

from __future__ import annotations

from schemas.__main__ import OUT, documents, render


def test_json_schema_files_are_fresh() -> None:
    for name, document in documents().items():
        path = OUT / name
        assert path.exists(), f"{path} is missing: run `python -m schemas`"
        assert path.read_text() == render(document), f"{path} is stale: run `python -m schemas`"


def test_every_file_in_json_is_generated() -> None:
    assert {p.name for p in OUT.glob("*.json")} == set(documents())
