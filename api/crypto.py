"""Encryption of free text at rest: AES-256-GCM with key ids, and a keyed index digest."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PREFIX = "v1"


class KeyringError(Exception):
    """The keyring cannot be read, or a value cannot be decrypted."""


class KeyringMismatch(KeyringError):
    """The keyring is not the one the database was sealed with."""

    def __init__(self) -> None:
        super().__init__("this keyring cannot open the database's sealed values: it is "
                         "not the keyring they were sealed with")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=64)
def _aead(key: bytes) -> AESGCM:
    """One cipher object per key: making it costs more than sealing a short text."""
    return AESGCM(key)


@dataclass(frozen=True)
class Keyring:
    """Data keys by id (the current one encrypts) and the key of the label index."""

    current: str
    keys: dict[str, bytes]
    index_key: bytes

    def encrypt(self, plaintext: str, *, aad: str) -> str:
        """`v1.<key id>.<nonce+ciphertext>`; `aad` binds the value to its record."""
        nonce = os.urandom(12)
        sealed = _aead(self.keys[self.current]).encrypt(nonce, plaintext.encode(), aad.encode())
        return f"{_PREFIX}.{self.current}.{_b64(nonce + sealed)}"

    def decrypt(self, token: str, *, aad: str) -> str:
        """The plaintext of a value made by `encrypt` with the same `aad`."""
        try:
            prefix, key_id, body = token.split(".", 2)
            raw = _unb64(body)
            if prefix != _PREFIX:
                raise ValueError(prefix)
            return _aead(self.keys[key_id]).decrypt(raw[:12], raw[12:], aad.encode()).decode()
        except Exception as exc:
            raise KeyringError("a stored value could not be decrypted") from exc

    def key_id_of(self, token: str) -> str:
        """Which key sealed a value."""
        return token.split(".", 2)[1]

    def digest(self, text: str) -> str:
        """A keyed digest for equality look-ups without storing the text."""
        return hmac.new(self.index_key, text.encode(), hashlib.sha256).hexdigest()

    def rotated(self) -> Keyring:
        """The same keyring with a fresh current key (old keys still decrypt)."""
        key_id = f"k{len(self.keys) + 1}-{secrets.token_hex(2)}"
        return Keyring(current=key_id, keys={**self.keys, key_id: AESGCM.generate_key(256)},
                       index_key=self.index_key)

    def to_json(self) -> str:
        """The keyring file's content."""
        return json.dumps({"current": self.current, "index_key": _b64(self.index_key),
                           "keys": {k: _b64(v) for k, v in self.keys.items()}}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        """Reads a keyring file's content."""
        try:
            data = json.loads(text)
            keys = {k: _unb64(v) for k, v in data["keys"].items()}
            ring = cls(current=data["current"], keys=keys, index_key=_unb64(data["index_key"]))
        except Exception as exc:
            raise KeyringError("the keyring file is not valid") from exc
        if ring.current not in keys or any(len(k) != 32 for k in keys.values()):
            raise KeyringError("the keyring needs a current key of 256 bits")
        return ring

    @classmethod
    def generate(cls) -> Keyring:
        """A new keyring with one key."""
        return cls(current="k1", keys={"k1": AESGCM.generate_key(256)},
                   index_key=secrets.token_bytes(32))


def save_keyring(ring: Keyring, path: Path) -> None:
    """Writes the keyring readable by the owner only, replacing the file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(ring.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def load_keyring(path: Path, *, create: bool) -> Keyring:
    """Reads the keyring; on the embedded default, makes one on first run."""
    if path.exists():
        return Keyring.from_json(path.read_text())
    if not create:
        raise KeyringError(f"no keyring at {path}")
    ring = Keyring.generate()
    save_keyring(ring, path)
    return ring
