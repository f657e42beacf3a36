"""Passwords (argon2), bearer tokens (random, stored as SHA-256) and secret encryption."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import secrets
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

_hasher = PasswordHasher()

TOKEN_PREFIX = "tt_"  # noqa: S105 - a prefix, not a secret


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash never matches."""
    if not password_hash:
        # Spend the time of a verification anyway so timing does not reveal unknown users.
        password_hash = _DUMMY_HASH
        password = "\0" + password
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash("dummy")

# argon2 costs tens of milliseconds of CPU by design. It runs on its own few threads — fewer
# than the cores — so a burst of logins queues for them instead of starving the event loop
# that serves every other request (80 concurrent logins once slowed everything to 1.5 s).
_ARGON2_THREADS = ThreadPoolExecutor(
    max_workers=max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="argon2"
)


async def verify_password_off_loop(password_hash: str | None, password: str) -> bool:
    """``verify_password`` on the argon2 threads."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_ARGON2_THREADS, _verify, password_hash, password)


async def hash_password_off_loop(password: str) -> str:
    """``hash_password`` on the argon2 threads."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_ARGON2_THREADS, hash_password, password)


def _verify(password_hash: str | None, password: str) -> bool:
    return verify_password(password_hash, password)  # looked up per call: tests can wrap it


def new_token() -> str:
    """A new opaque bearer token (256 random bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are high-entropy random strings, so a fast hash is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def _fernet_for(secret: str) -> Fernet:
    # Derive a dedicated key so the stored ciphertexts do not depend on SECRET_KEY's format.
    digest = hashlib.sha256(b"graphql-api/secrets/v1:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class SecretBox:
    """Encrypts secrets at rest with SECRET_KEY; older keys still decrypt (rotation)."""

    def __init__(self, secret_key: str, previous_keys: list[str] | None = None) -> None:
        keys = [secret_key, *(previous_keys or [])]
        self._fernet = MultiFernet([_fernet_for(key) for key in keys])

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext as text, safe to store."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """The plaintext; raises ``ValueError`` when no known key fits."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise ValueError("secret cannot be decrypted with the configured SECRET_KEY") from None

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt with the current key (after SECRET_KEY changed)."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise ValueError("secret cannot be decrypted with the configured SECRET_KEY") from None


def secret_hint(secret: str) -> str:
    """The last four characters, shown so an admin recognises the key."""
    return "…" + secret[-4:] if len(secret) >= 8 else "…"
