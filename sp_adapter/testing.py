"""Supported helpers for test suites on the relying side: an STS that checks assertions like AWS.

``local_sts_for(metadata)`` registers one IdP's metadata as a SAML provider and returns a ``LocalSTS`` to
use as a context manager; point boto3 at ``.url`` with ``endpoint_url``. moto's STS accepts any assertion;
this one refuses what AWS would refuse, with AWS's error codes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from saml_core import KeyPair
from saml_core import utcnow

from ._local_sts import LocalSTS as LocalSTS
from ._local_sts import LocalStsConfig as LocalStsConfig
from ._local_sts_directory import DEFAULT_ACCOUNT
from ._local_sts_directory import StaticDirectory as StaticDirectory
from ._replay import MemoryReplayCache as MemoryReplayCache


def local_sts_for(
    metadata: bytes,
    *,
    provider_name: str = "DemoIdP",
    account: str = DEFAULT_ACCOUNT,
    partition: str = "aws",
    clock: Callable[[], datetime] = utcnow,
    decryption_key: KeyPair | None = None,
    max_session_duration: int = 3600,
) -> LocalSTS:
    """A local STS (not started: use ``with local_sts_for(md) as sts:``) that knows one SAML provider,
    ``arn:{partition}:iam::{account}:saml-provider/{provider_name}``, and every role of that account."""
    directory = StaticDirectory(
        {provider_name: metadata},
        account=account,
        partition=partition,
        max_session_duration=max_session_duration,
    )
    arn = f"arn:{partition}:iam::{account}:saml-provider/{provider_name}"
    keys = {arn: (decryption_key,)} if decryption_key is not None else {}
    return LocalSTS(LocalStsConfig(directory=directory, clock=clock, decryption_keys=keys))


__all__ = ["LocalSTS", "LocalStsConfig", "MemoryReplayCache", "StaticDirectory", "local_sts_for"]
