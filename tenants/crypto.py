"""Encryption at rest for tenant secrets (TEN-6)."""

import base64
import hashlib

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    key = settings.HOSTLINE_ENCRYPTION_KEY
    if not key:
        digest = hashlib.sha256(f"hostline-secrets:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key)


def encrypt_secret(plain: str) -> bytes:
    return _fernet().encrypt(plain.encode()) if plain else b""


def decrypt_secret(token: bytes) -> str:
    return _fernet().decrypt(bytes(token)).decode() if token else ""
