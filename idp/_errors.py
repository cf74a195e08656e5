"""The IdP's errors: one child of ``saml_core.SAMLError`` (STYLE.md section 2).

    SAMLError
     +-- IdPError                     idp_error: something the caller asked for cannot be issued
          +-- AwsAttributeInvalid     aws_attribute_invalid: a value AWS would refuse (AWS.md section 1)
          +-- IdPConfigError          config_error: a bad configuration file or option (the CLI exits 2)

Every ``IdPError`` is the caller's mistake, never a verdict on someone else's input, so the command line
maps all of them to exit code 2.
"""

from __future__ import annotations

from saml_core.errors import ConfigError
from saml_core.errors import SAMLError


class IdPError(SAMLError, ValueError):
    """A response cannot be issued as asked."""

    code = "idp_error"
    aws_error: str | None = None


class AwsAttributeInvalid(IdPError):
    """An AWS attribute value breaks AWS's rules (AWS.md section 1); the message quotes the rule."""

    code = "aws_attribute_invalid"
    aws_error: str | None = "InvalidIdentityToken"

    def __init__(self, message: str, *, attribute: str | None = None) -> None:
        super().__init__(message)
        self.attribute = attribute


class IdPConfigError(IdPError, ConfigError):
    """The IdP configuration (TOML file or options) is wrong."""

    code = "config_error"
    aws_error = None
