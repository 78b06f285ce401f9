"""What the service must read back to use it, encrypted at rest: webhook signing secrets and
the addresses of readers and moderators who asked for e-mails.

AES-GCM under a key derived from COMMENTSVC_SECRET_KEY and a purpose string: a database dump
alone reveals nothing, the derived key is never the service key itself, and a value sealed for
one purpose cannot be opened as another. Another service key cannot open them (unseal answers
None), so changing COMMENTSVC_SECRET_KEY loses them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEAL_VERSION = "v1"
WEBHOOK_SECRET = "webhook"
MAIL_ADDRESS = "mail-address"


def _sealing_key(secret_key: str, purpose: str) -> AESGCM:
    label = f"commentsvc sealed {purpose} v1".encode()
    return AESGCM(hmac.new(secret_key.encode(), label, hashlib.sha256).digest())


def seal(secret_key: str, secret: str, purpose: str = WEBHOOK_SECRET) -> str:
    """The secret encrypted for storage: "v1:" and base64 of nonce and ciphertext."""
    nonce = os.urandom(12)
    sealed = _sealing_key(secret_key, purpose).encrypt(nonce, secret.encode(), purpose.encode())
    return f"{SEAL_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def unseal(secret_key: str, stored: str, purpose: str = WEBHOOK_SECRET) -> str | None:
    """The secret, or None when it was sealed under another COMMENTSVC_SECRET_KEY or purpose
    (or is not a sealed value at all)."""
    version, _, data = (stored or "").partition(":")
    if version != SEAL_VERSION:
        return None
    try:
        raw = base64.urlsafe_b64decode(data)
        return _sealing_key(secret_key, purpose).decrypt(raw[:12], raw[12:],
                                                         purpose.encode()).decode()
    except (InvalidTag, ValueError):
        return None
