"""Encryption of secrets at rest (the Inyett API key), with a key kept outside the database."""

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.fernet import MultiFernet
from flask import current_app


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted with the configured encryption key(s)."""


def _box() -> MultiFernet:
    # ENCRYPTION_KEY may list several keys, newest first, so that data encrypted with an
    # older key stays readable during a rotation.
    keys = [key.strip() for key in current_app.config["ENCRYPTION_KEY"].split(",") if key.strip()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plaintext: str) -> str:
    """Return `plaintext` encrypted with the newest key."""
    return _box().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """Return the plaintext of `ciphertext`, or raise SecretUnreadable."""
    try:
        return _box().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable from exc


def reencrypt(ciphertext: str) -> str:
    """Return `ciphertext` re-encrypted with the newest key."""
    try:
        return _box().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable from exc
