"""sp_adapter: the relying side of SAML federation into AWS: strict validator, AWS rules, replay caches."""

from ._console import ConsoleSigninFailed as ConsoleSigninFailed
from ._console import console_url as console_url
from ._credcache import CredentialCache as CredentialCache
from ._credcache import cache_key as cache_key
from ._errors import AssertionCount as AssertionCount
from ._errors import AudienceMismatch as AudienceMismatch
from ._errors import AwsAttributeInvalid as AwsAttributeInvalid
from ._errors import AwsRoleNotAllowed as AwsRoleNotAllowed
from ._errors import BadSignature as BadSignature
from ._errors import ConditionUnsupported as ConditionUnsupported
from ._errors import DecryptionError as DecryptionError
from ._errors import DestinationMismatch as DestinationMismatch
from ._errors import DoctypeForbidden as DoctypeForbidden
from ._errors import EncryptionRequired as EncryptionRequired
from ._errors import Expired as Expired
from ._errors import ForbiddenAlgorithm as ForbiddenAlgorithm
from ._errors import InResponseToMismatch as InResponseToMismatch
from ._errors import IssuerMismatch as IssuerMismatch
from ._errors import KeyNotTrusted as KeyNotTrusted
from ._errors import KeyTooWeak as KeyTooWeak
from ._errors import MalformedMessage as MalformedMessage
from ._errors import MessageTooLarge as MessageTooLarge
from ._errors import NotAResponse as NotAResponse
from ._errors import NotCovered as NotCovered
from ._errors import NotYetValid as NotYetValid
from ._errors import ProfileViolation as ProfileViolation
from ._errors import RecipientMismatch as RecipientMismatch
from ._errors import Replayed as Replayed
from ._errors import SignatureRequired as SignatureRequired
from ._errors import StatusNotSuccess as StatusNotSuccess
from ._errors import SubjectConfirmationInvalid as SubjectConfirmationInvalid
from ._errors import ValidationError as ValidationError
from ._exchange import AwsCredentials as AwsCredentials
from ._exchange import ExchangeResult as ExchangeResult
from ._exchange import choose_role as choose_role
from ._exchange import exchange as exchange
from ._local_sts import LocalSTS as LocalSTS
from ._local_sts import LocalStsConfig as LocalStsConfig
from ._local_sts import create_local_sts_app as create_local_sts_app
from ._local_sts_directory import IamDirectory as IamDirectory
from ._local_sts_directory import StaticDirectory as StaticDirectory
from ._login import LoginFailed as LoginFailed
from ._outputs import render as render_credentials
from ._outputs import write_profile as write_profile
from ._policy import Policy as Policy
from ._replay import MemoryReplayCache as MemoryReplayCache
from ._replay import RedisReplayCache as RedisReplayCache
from ._replay import ReplayCache as ReplayCache
from ._replay import ReplayCacheError as ReplayCacheError
from ._replay import SqliteReplayCache as SqliteReplayCache
from ._replay import replay_cache_from_url as replay_cache_from_url
from ._result import AwsAttributes as AwsAttributes
from ._result import AwsRolePair as AwsRolePair
from ._result import ValidatedAssertion as ValidatedAssertion
from ._trust import Trust as Trust
from ._trust import TrustEntry as TrustEntry
from ._validate import validate_response as validate_response
from .sts import StsError as StsError
from .sts import StsRejected as StsRejected
from .sts import StsUnavailable as StsUnavailable

__all__ = [
    "AssertionCount",
    "AudienceMismatch",
    "AwsAttributeInvalid",
    "AwsAttributes",
    "AwsCredentials",
    "AwsRoleNotAllowed",
    "AwsRolePair",
    "BadSignature",
    "ConditionUnsupported",
    "ConsoleSigninFailed",
    "CredentialCache",
    "DecryptionError",
    "DestinationMismatch",
    "DoctypeForbidden",
    "EncryptionRequired",
    "ExchangeResult",
    "Expired",
    "ForbiddenAlgorithm",
    "IamDirectory",
    "InResponseToMismatch",
    "IssuerMismatch",
    "KeyNotTrusted",
    "KeyTooWeak",
    "LocalSTS",
    "LocalStsConfig",
    "LoginFailed",
    "MalformedMessage",
    "MemoryReplayCache",
    "MessageTooLarge",
    "NotAResponse",
    "NotCovered",
    "NotYetValid",
    "Policy",
    "ProfileViolation",
    "RecipientMismatch",
    "RedisReplayCache",
    "ReplayCache",
    "ReplayCacheError",
    "Replayed",
    "SignatureRequired",
    "SqliteReplayCache",
    "StaticDirectory",
    "StatusNotSuccess",
    "StsError",
    "StsRejected",
    "StsUnavailable",
    "SubjectConfirmationInvalid",
    "Trust",
    "TrustEntry",
    "ValidatedAssertion",
    "ValidationError",
    "cache_key",
    "choose_role",
    "console_url",
    "create_local_sts_app",
    "exchange",
    "render_credentials",
    "replay_cache_from_url",
    "validate_response",
    "write_profile",
]
