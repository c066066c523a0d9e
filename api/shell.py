"""The app shell the service worker keeps on the phone: every file of frontend/ the app
loads, each with the SHA-256 of its content, and the version those make together.

Nothing here is kept by hand: sw.js is sent with the list written in, worked out from
the files as they are on disk when the browser asks, so a release can't forget to bump
a version and a file can't be left out of the shell.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

WORKER = "sw.js"
# Files of frontend/ the app never loads: notes for developers, and the worker itself
# (the browser keeps that; it is not part of the shell it stores).
LEFT_OUT = frozenset({"README.md", "tsconfig.json", WORKER})
# Where sw.js takes the version and the list; each must appear in it exactly once.
VERSION_SLOT = '/* version */ ""'
SHELL_SLOT = "/* shell */ {}"


@dataclass(frozen=True)
class Shell:
    """The shell's files (address -> SHA-256 hex) and the version they make."""

    files: dict[str, str]
    version: str


def shell_paths(frontend: Path) -> list[Path]:
    """Every file of the shell, in a stable order."""
    return [path for path in sorted(frontend.rglob("*"))
            if path.is_file() and not _left_out(path.relative_to(frontend))]


def _left_out(relative: Path) -> bool:
    return relative.as_posix() in LEFT_OUT or any(p.startswith(".") for p in relative.parts)


def read_shell(frontend: Path) -> Shell:
    """Hashes the shell as it is on disk now; the worker's own source counts toward the
    version, so a change to it is a new version too."""
    files = {"/" + path.relative_to(frontend).as_posix(): _digest(path)
             for path in shell_paths(frontend)}
    listing = "".join(f"{url} {digest}\n" for url, digest in files.items())
    listing += f"/{WORKER} {_digest(frontend / WORKER)}\n"
    return Shell(files, "attune-shell-" + hashlib.sha256(listing.encode()).hexdigest()[:16])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def worker_script(frontend: Path) -> str:
    """sw.js with this shell's version and files written in."""
    source = (frontend / WORKER).read_text()
    for slot in (VERSION_SLOT, SHELL_SLOT):
        if source.count(slot) != 1:
            raise RuntimeError(f"{frontend / WORKER} must hold {slot} exactly once")
    shell = read_shell(frontend)
    return (source.replace(VERSION_SLOT, json.dumps(shell.version))
            .replace(SHELL_SLOT, json.dumps(shell.files, indent=2)))
