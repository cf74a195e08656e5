"""idp: a SAML 2.0 identity provider that issues AWS-ready responses, with a fault catalogue for SP tests."""

from ._aws import AwsRole as AwsRole
from ._aws import aws_audience as aws_audience
from ._aws import aws_recipient as aws_recipient
from ._errors import AwsAttributeInvalid as AwsAttributeInvalid
from ._errors import IdPConfigError as IdPConfigError
from ._errors import IdPError as IdPError
from ._fault import Fault as Fault
from ._faults import FAULTS as FAULTS
from ._issue import IdentityProvider as IdentityProvider
from ._issue import IssuedResponse as IssuedResponse
from ._issue import SignMode as SignMode
from ._web_config import WebSettings as WebSettings
from .app import create_app as create_app

__all__ = [
    "FAULTS",
    "AwsAttributeInvalid",
    "AwsRole",
    "Fault",
    "IdPConfigError",
    "IdPError",
    "IdentityProvider",
    "IssuedResponse",
    "SignMode",
    "aws_audience",
    "aws_recipient",
    "WebSettings",
    "create_app",
]
