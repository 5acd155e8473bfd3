"""Header checks shared by the servers (the Rasa server's channels, the action server, the
website), each a plain function of header values so that every server reads them alike."""

from __future__ import annotations

import hmac


def authorised(token: str, authorization: str | None) -> bool:
    """Whether an Authorization header carries the bearer token (compared in constant time).
    An empty token authorises nothing."""
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def is_compressed(content_encoding: str | None) -> bool:
    """Whether a request says its body is compressed (any Content-Encoding but identity).
    No client of ours compresses what it sends; compressed bodies are where decompression
    bombs live (docs/dependencies.md, E1)."""
    encoding = (content_encoding or "").strip().lower()
    return bool(encoding) and encoding != "identity"
