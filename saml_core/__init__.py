"""saml_core: hardened XML, XML-DSig and XML-Enc, keys, SAML constants, time, IDs and the error tree."""

from ._dsig import VerifiedElement as VerifiedElement
from ._dsig import sign_enveloped as sign_enveloped
from ._dsig import verify_enveloped as verify_enveloped
from ._dsig_profile import DEFAULT_POLICY as DEFAULT_POLICY
from ._dsig_profile import SignatureInfo as SignatureInfo
from ._dsig_profile import SignaturePolicy as SignaturePolicy
from ._dsig_profile import check_signature_profile as check_signature_profile
from ._ids import IdSource as IdSource
from ._ids import is_ncname as is_ncname
from ._ids import new_id as new_id
from ._ids import sequential_ids as sequential_ids
from ._keys import KeyPair as KeyPair
from ._keys import TrustedKey as TrustedKey
from ._keys import load_certificate as load_certificate
from ._schema import validate_schema as validate_schema
from ._sigvalue import sign_value as sign_value
from ._sigvalue import verify_value as verify_value
from ._time import ensure_aware as ensure_aware
from ._time import format_instant as format_instant
from ._time import parse_instant as parse_instant
from ._time import utcnow as utcnow
from ._xenc import DecryptionPolicy as DecryptionPolicy
from ._xenc import decrypt_element as decrypt_element
from ._xenc import encrypt_element as encrypt_element
from ._xml import DEFAULT_LIMITS as DEFAULT_LIMITS
from ._xml import XMLLimits as XMLLimits
from ._xml import check_tree as check_tree
from ._xml import check_unique_ids as check_unique_ids
from ._xml import children as children
from ._xml import one_child as one_child
from ._xml import optional_child as optional_child
from ._xml import parse_xml as parse_xml
from ._xml import serialize as serialize
from ._xml import text_of as text_of
from .constants import NS as NS
from .constants import NSMAP as NSMAP
from .errors import SAMLError as SAMLError

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_POLICY",
    "NS",
    "NSMAP",
    "DecryptionPolicy",
    "IdSource",
    "KeyPair",
    "SAMLError",
    "SignatureInfo",
    "SignaturePolicy",
    "TrustedKey",
    "VerifiedElement",
    "XMLLimits",
    "check_signature_profile",
    "check_tree",
    "check_unique_ids",
    "children",
    "decrypt_element",
    "encrypt_element",
    "ensure_aware",
    "format_instant",
    "is_ncname",
    "load_certificate",
    "new_id",
    "one_child",
    "optional_child",
    "parse_instant",
    "parse_xml",
    "sequential_ids",
    "serialize",
    "sign_enveloped",
    "sign_value",
    "text_of",
    "utcnow",
    "validate_schema",
    "verify_enveloped",
    "verify_value",
]
