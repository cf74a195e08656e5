"""One check for every URL a user hands the tools (endpoints, IdP and metadata URLs, replay caches).

``urllib.parse``, httpx and botocore each fail differently on a malformed URL (``ValueError: Invalid IPv6
URL``, ``httpx.InvalidURL``, a bad port), and none of those is a ``SAMLError``; ``check_url`` turns every such
URL into a ``ConfigError`` (exit 2 on the command line) before any client sees it.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import SplitResult
from urllib.parse import urlsplit

from .errors import ConfigError

HTTP_SCHEMES = ("http", "https")


def check_url(url: str, *, what: str, schemes: Collection[str] = HTTP_SCHEMES) -> SplitResult:
    """``url`` split, when it is an absolute URL with one of ``schemes``, a host and a valid port, and holds
    no whitespace or control character; else ConfigError naming ``what`` (e.g. "--endpoint-url")."""
    if not isinstance(url, str) or not url:
        raise ConfigError(f"{what} is empty")
    shown = repr(url[:200])
    if any(char.isspace() or ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in url):
        raise ConfigError(f"{what} {shown} contains whitespace or a control character")
    import httpx  # the strictest of the parsers our clients use; imported only when a URL is checked

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in 0-65535
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as error:
        raise ConfigError(f"{what} {shown} is not a valid URL: {error}") from None
    if parts.scheme.lower() not in schemes:
        allowed = " or ".join(f"{scheme}://" for scheme in schemes)
        raise ConfigError(f"{what} {shown} must start with {allowed}")
    if not parts.hostname:
        raise ConfigError(f"{what} {shown} names no host")
    return parts
