"""HTTP Basic (`--auth USER:PASS`) and Bearer (`--api-key KEY`, what the openai client sends)
credentials, compared in constant time. The secrets are never logged or echoed."""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from dataclasses import dataclass, field

from compress.errors import InputError

AUTH_ENV = "SAMBERT_SERVE_AUTH"
API_KEY_ENV = "SAMBERT_SERVE_API_KEY"
OPEN_PATHS = ("/health",)


@dataclass(frozen=True)
class Credentials:
    basic: bytes | None = field(default=None, repr=False)  # "user:pass", as Basic carries it
    api_key: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_options(cls, auth: str | None, api_key: str | None) -> "Credentials":
        """The options, else the environment variables."""
        auth = auth if auth is not None else os.environ.get(AUTH_ENV)
        api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        if auth is not None and (":" not in auth or not auth.split(":", 1)[0]):
            raise InputError("--auth must be USER:PASS with a non-empty user")
        if api_key is not None and not api_key.strip():
            raise InputError("--api-key must not be empty")
        return cls(auth.encode("utf-8") if auth else None, api_key.encode("utf-8") if api_key else None)

    @property
    def required(self) -> bool:
        return self.basic is not None or self.api_key is not None

    def allows(self, authorization: str | None) -> bool:
        if not self.required:
            return True
        scheme, _, value = (authorization or "").partition(" ")
        scheme, value = scheme.lower(), value.strip().encode("utf-8")
        if scheme == "basic" and self.basic is not None:
            try:
                decoded = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                return False
            return hmac.compare_digest(decoded, self.basic)
        if scheme == "bearer" and self.api_key is not None:
            return hmac.compare_digest(value, self.api_key)
        return False

    def challenge(self) -> str:
        """The WWW-Authenticate header of a 401: Basic lets a browser ask for the password."""
        return 'Basic realm="sambert-compress"' if self.basic is not None else "Bearer"
