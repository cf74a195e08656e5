"""metadata: SAML 2.0 entity descriptors (parse, build, render, sign, verify, inspect, diff) and IAM sync."""

from ._aws import AUDIENCES as AUDIENCES
from ._aws import aws_sp_entity as aws_sp_entity
from ._aws import check_iam_metadata as check_iam_metadata
from ._aws import signin_url as signin_url
from ._diff import diff as diff
from ._duration import format_duration as format_duration
from ._duration import parse_duration as parse_duration
from ._errors import AbruptRollover as AbruptRollover
from ._errors import AWSCallFailed as AWSCallFailed
from ._errors import EntityNotFound as EntityNotFound
from ._errors import FetchFailed as FetchFailed
from ._errors import IAMWouldRefuse as IAMWouldRefuse
from ._errors import MetadataError as MetadataError
from ._errors import MetadataExpired as MetadataExpired
from ._errors import MetadataStale as MetadataStale
from ._errors import NotMetadata as NotMetadata
from ._errors import TrustPolicyMismatch as TrustPolicyMismatch
from ._inspect import inspect as inspect
from ._model import AttributeConsumingService as AttributeConsumingService
from ._model import ContactPerson as ContactPerson
from ._model import Endpoint as Endpoint
from ._model import EntitiesDescriptor as EntitiesDescriptor
from ._model import EntityDescriptor as EntityDescriptor
from ._model import IDPSSODescriptor as IDPSSODescriptor
from ._model import KeyDescriptor as KeyDescriptor
from ._model import Metadata as Metadata
from ._model import Organization as Organization
from ._model import RequestedAttribute as RequestedAttribute
from ._model import SPSSODescriptor as SPSSODescriptor
from ._parse import METADATA_LIMITS as METADATA_LIMITS
from ._parse import parse as parse
from ._parse import parse_element as parse_element
from ._parse import parse_entities as parse_entities
from ._render import build_element as build_element
from ._render import build_idp_metadata as build_idp_metadata
from ._render import build_sp_metadata as build_sp_metadata
from ._render import render as render
from ._sign import sign as sign
from ._sign import verify as verify
from ._sync import Desired as Desired
from ._sync import PrivateKey as PrivateKey
from ._sync import ProviderState as ProviderState
from ._sync import SyncPlan as SyncPlan
from ._sync import plan_provider as plan_provider
from ._trust_policy import check_trust_policy as check_trust_policy
from ._trust_policy import trust_policy as trust_policy

__all__ = [
    "AUDIENCES",
    "METADATA_LIMITS",
    "AWSCallFailed",
    "AbruptRollover",
    "AttributeConsumingService",
    "ContactPerson",
    "Desired",
    "Endpoint",
    "EntitiesDescriptor",
    "EntityDescriptor",
    "EntityNotFound",
    "FetchFailed",
    "IAMWouldRefuse",
    "IDPSSODescriptor",
    "KeyDescriptor",
    "Metadata",
    "MetadataError",
    "MetadataExpired",
    "MetadataStale",
    "NotMetadata",
    "Organization",
    "PrivateKey",
    "ProviderState",
    "RequestedAttribute",
    "SPSSODescriptor",
    "SyncPlan",
    "TrustPolicyMismatch",
    "aws_sp_entity",
    "build_element",
    "build_idp_metadata",
    "build_sp_metadata",
    "check_iam_metadata",
    "check_trust_policy",
    "diff",
    "format_duration",
    "inspect",
    "parse",
    "parse_duration",
    "parse_element",
    "parse_entities",
    "plan_provider",
    "render",
    "sign",
    "signin_url",
    "trust_policy",
    "verify",
]
