"""What every boto3 client of the project shares: STS always on its regional endpoint, and one check of an
``endpoint_url`` override (AWS.md section 8; INTERFACES.md: a bad URL is a configuration error, exit 2).

boto3 and botocore are imported here, never at ``saml_core``'s top level, so the XML and crypto layer keeps
working without them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ._url import check_url
from .errors import ConfigError
from .errors import SAMLError

if TYPE_CHECKING:
    import boto3


def regional_sts_session(*, profile: str | None = None, region: str | None = None) -> boto3.Session:
    """A boto3 session whose STS clients use the regional endpoint whatever the user's configuration says.

    ``sts_regional_endpoints = legacy`` (environment or ~/.aws/config) would send every region's call to
    the global endpoint, whose tokens work only in the regions enabled by default. FIPS and dual-stack
    settings still apply. ``profile`` and ``region`` are as in ``boto3.Session``.
    """
    import boto3
    import botocore.session

    core = botocore.session.Session(profile=profile)
    core.set_config_variable("sts_regional_endpoints", "regional")
    return boto3.Session(botocore_session=core, region_name=region)


@contextmanager
def checked_endpoint(endpoint_url: str | None, what: str) -> Iterator[None]:
    """An ``endpoint_url`` override must be an http(s) URL (``check_url``) that botocore accepts: a client
    made inside the block that refuses it with a bare ValueError (a host name with ``_``...) becomes a
    ConfigError. botocore's own errors and ours pass through for the caller's mapping."""
    import botocore.exceptions

    if endpoint_url is not None:
        check_url(endpoint_url, what=what)
    try:
        yield
    except ValueError as error:
        if isinstance(error, SAMLError | botocore.exceptions.BotoCoreError):
            raise
        reason = " ".join(str(error).split())[:300]
        raise ConfigError(f"{what} {str(endpoint_url)[:200]!r} is not usable: {reason}") from None
