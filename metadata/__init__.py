"""metadata: SAML 2.0 entity descriptors (parse, build, render, sign, verify, inspect, diff) and IAM sync."""

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

__all__ = [
    "METADATA_LIMITS",
    "AWSCallFailed",
    "AbruptRollover",
    "AttributeConsumingService",
    "ContactPerson",
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
    "RequestedAttribute",
    "SPSSODescriptor",
    "TrustPolicyMismatch",
    "build_element",
    "build_idp_metadata",
    "build_sp_metadata",
    "format_duration",
    "parse",
    "parse_duration",
    "parse_element",
    "parse_entities",
    "render",
]
