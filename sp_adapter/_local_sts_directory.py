"""Where the local STS finds SAML providers and roles: metadata files, or an IAM endpoint (Rule 2 of
``_local_sts``: nothing else is trusted).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Protocol

from saml_core._bounded import read_file
from saml_core.errors import ConfigError

from ._local_sts_checks import role_id_for
from .sts import RoleRecord
from .sts import SamlProviderRecord
from .sts import find_role
from .sts import find_saml_provider
from .sts import iam_client

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient

DEFAULT_ACCOUNT = "111111111111"


class Directory(Protocol):
    """Where the local STS looks up SAML providers and roles (Rule 2)."""

    def provider(self, arn: str) -> SamlProviderRecord | None: ...

    def role(self, arn: str) -> RoleRecord | None: ...


class StaticDirectory:
    """Providers from metadata files (``--provider NAME=FILE``); every role of the account exists.

    Roles have no trust policy here (only the Role pair is checked) and ``max_session_duration`` as their
    MaxSessionDuration (AWS's default is 3600).
    """

    def __init__(
        self,
        providers: Mapping[str, bytes],
        *,
        account: str = DEFAULT_ACCOUNT,
        partition: str = "aws",
        max_session_duration: int = 3600,
    ) -> None:
        if not (len(account) == 12 and account.isascii() and account.isdigit()):
            raise ConfigError(f"--account must be 12 digits, not {account[:20]!r}")
        if not 3600 <= max_session_duration <= 43200:
            raise ConfigError("--max-session-duration must be 3600 to 43200 seconds (1-12 h)")
        self.account, self.partition, self.max_session_duration = account, partition, max_session_duration
        self._providers = {
            f"arn:{partition}:iam::{account}:saml-provider/{name}": SamlProviderRecord(
                arn=f"arn:{partition}:iam::{account}:saml-provider/{name}", metadata=metadata
            )
            for name, metadata in providers.items()
        }

    @classmethod
    def from_specs(cls, specs: Sequence[str], **options: object) -> StaticDirectory:
        """``NAME=METADATA_FILE`` items, as ``--provider`` takes them."""
        providers: dict[str, bytes] = {}
        for spec in specs:
            name, sep, path = spec.partition("=")
            if not sep or not name or not path or not all(c.isalnum() or c in "._-" for c in name):
                raise ConfigError(
                    f"--provider wants NAME=METADATA_FILE with NAME of [A-Za-z0-9._-], not {spec!r}"
                )
            providers[name] = read_file(path)
        return cls(providers, **options)  # type: ignore[arg-type]

    def provider(self, arn: str) -> SamlProviderRecord | None:
        return self._providers.get(arn)

    def role(self, arn: str) -> RoleRecord | None:
        prefix = f"arn:{self.partition}:iam::{self.account}:role/"
        if not arn.startswith(prefix) or len(arn) == len(prefix):
            return None
        return RoleRecord(
            arn=arn,
            role_id=role_id_for(arn),
            max_session_duration=self.max_session_duration,
            trust_policy=None,
        )


class IamDirectory:
    """Providers and roles from an IAM endpoint (moto's server after ``saml-metadata aws-sync``)."""

    def __init__(self, client: IAMClient) -> None:
        self._client = client

    @classmethod
    def from_endpoint(cls, endpoint_url: str, region: str = "us-east-1") -> IamDirectory:
        return cls(iam_client(endpoint_url=endpoint_url, region=region))

    def provider(self, arn: str) -> SamlProviderRecord | None:
        return find_saml_provider(self._client, arn)

    def role(self, arn: str) -> RoleRecord | None:
        return find_role(self._client, arn)
