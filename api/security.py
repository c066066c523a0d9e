"""Password hashing, opaque tokens and pairing codes."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from importlib.resources import files

from passlib.context import CryptContext

# Argon2id at the OWASP minimum (19 MiB, 2 passes, 1 lane): about 50 ms a hash here.
_passwords = CryptContext(
    schemes=["argon2"],
    argon2__type="ID",
    argon2__memory_cost=19456,
    argon2__time_cost=2,
    argon2__parallelism=1,
)

# Invite codes: 8 symbols of Crockford's base-32 (no I, L, O, U), read aloud as
# "ABCD-EFGH". 32**8 = 1.1e12 codes. A code lives 15 minutes and each account may
# guess wrong 5 times a quarter hour; even with 100,000 live codes a guess succeeds
# with odds of 1 in 11 million, so guessing is hopeless without millions of accounts.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8


class Hasher:
    """Runs argon2 off the event loop, in a small bounded pool."""

    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        # Verified for unknown usernames so that both refusals take the same time.
        self._dummy = _passwords.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        """An argon2id hash of `password`."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, _passwords.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """True when `password` matches; with no hash, burns the same time and says no."""
        loop = asyncio.get_running_loop()
        ok = await loop.run_in_executor(
            self._pool, _passwords.verify, password, password_hash or self._dummy
        )
        return bool(ok) and password_hash is not None

    def close(self) -> None:
        """Stops the pool."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def new_token() -> str:
    """An opaque bearer token carrying 256 random bits."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> bytes:
    """The SHA-256 of a high-entropy secret; what is stored instead of it."""
    return hashlib.sha256(secret.encode()).digest()


def new_invite_code() -> str:
    """A fresh pairing code, e.g. "7KQ2-M9XD"."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_invite_code(code: str) -> str | None:
    """The canonical form of a code as typed or heard, or None when it cannot be one."""
    raw = code.upper().replace("-", "").replace(" ", "")
    raw = raw.replace("O", "0").replace("I", "1").replace("L", "1")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return f"{raw[:4]}-{raw[4:]}"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    text = files("api").joinpath("data/common-passwords.txt").read_text()
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )
