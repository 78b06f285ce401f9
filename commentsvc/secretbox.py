"""Secrets the service must read back (webhook signing secrets), encrypted at rest.

AES-GCM under a key derived from COMMENTSVC_SECRET_KEY with its own purpose string: a database
dump alone reveals nothing, and the derived key is never the service key itself. Another service
key cannot open them (unseal answers None), so changing COMMENTSVC_SECRET_KEY loses them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEAL_VERSION = "v1"
PURPOSE = b"commentsvc webhook signing secrets v1"
ASSOCIATED = b"webhook"


def _sealing_key(secret_key: str) -> AESGCM:
    return AESGCM(hmac.new(secret_key.encode(), PURPOSE, hashlib.sha256).digest())


def seal(secret_key: str, secret: str) -> str:
    """The secret encrypted for storage: "v1:" and base64 of nonce and ciphertext."""
    nonce = os.urandom(12)
    sealed = _sealing_key(secret_key).encrypt(nonce, secret.encode(), ASSOCIATED)
    return f"{SEAL_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def unseal(secret_key: str, stored: str) -> str | None:
    """The secret, or None when it was sealed under another COMMENTSVC_SECRET_KEY."""
    version, _, data = stored.partition(":")
    if version != SEAL_VERSION:
        return None
    raw = base64.urlsafe_b64decode(data)
    try:
        return _sealing_key(secret_key).decrypt(raw[:12], raw[12:], ASSOCIATED).decode()
    except InvalidTag:
        return None
