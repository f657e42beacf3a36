"""Passwords (argon2), bearer tokens (random, stored as SHA-256) and secret encryption."""

from __future__ import annotations

import base64
import hashlib
import secrets

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
