"""Field encryption and keyed hashes for personal data, derived from HAOBAN_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )


@lru_cache(maxsize=8)
def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(secret, b"haoban/pii-encryption/v1")))


def encrypt(secret: str, value: str | None) -> str | None:
    if value is None:
        return None
    return _fernet(secret).encrypt(value.encode()).decode()


def decrypt(secret: str, token: str | None) -> str | None:
    if token is None:
        return None
    try:
        return _fernet(secret).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def keyed_hash(secret: str, value: str, *, purpose: str) -> str:
    """A stable look-up key that reveals nothing without the secret (HMAC-SHA256)."""
    key = _derive(secret, f"haoban/keyed-hash/{purpose}".encode())
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
