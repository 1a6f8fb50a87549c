"""The SAML 2.0 protocol, with pysaml2 (which has Debian's `xmlsec1` check the XML signatures): one tenant's
service provider (its entity id is its metadata address; its assertion consumer service takes HTTP-POST), the
identity provider's metadata read, the AuthnRequest sent by HTTP-Redirect, and the identity provider's answer
checked. Nothing here knows tenants or accounts (saas.sso.service does).

What an answer must be to sign anyone in:
- the assertion itself signed, by a key in the identity provider's metadata, not with SHA-1 (a signature on
  the response alone is not enough: the assertion is what is kept and vouched for);
- in response to the AuthnRequest this browser sent (InResponseTo, and the RelayState kept in its session):
  an unsolicited, IdP-initiated answer is refused, as nothing ties it to the person at this browser (anyone
  could post their own assertion into someone else's browser and sign them in as themselves);
- for us: the audience our entity id, the Destination and every Recipient our assertion consumer service;
- within its time (NotBefore / NotOnOrAfter) with CLOCK_SKEW of leeway either way;
- seen once: the caller remembers the assertion's id until its NotOnOrAfter (saas.sso.service)."""
from __future__ import annotations

import base64
import binascii
import calendar
import hmac
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import requests
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from flask_babel import lazy_gettext as _l
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import Config, SPConfig
from saml2.metadata import entity_descriptor
from saml2.response import StatusError, UnsolicitedResponse, VerificationError
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_TRANSIENT, SCM_BEARER
from saml2.s_utils import rndstr
from saml2.sigver import SignatureError, SigverError
from saml2.time_util import str_to_time
from saml2.validate import ResponseLifetimeExceed, ToEarly

from saas.kernel.errors import DomainError
from saas.sso.oidc import address_allowed

CLOCK_SKEW = 120  # seconds of leeway on NotBefore / NotOnOrAfter, either way
TIMEOUT = 10  # seconds to fetch the identity provider's metadata
MAX_METADATA = 500_000  # characters of metadata, pasted or fetched
MAX_RESPONSE = 300_000  # characters of a posted SAMLResponse
XMLSEC = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"
WEAK_ALGORITHMS = ("sha1", "md5")  # in a SignatureMethod or DigestMethod algorithm's name
PROTOCOL_NS = "{urn:oasis:names:tc:SAML:2.0:protocol}"


class SamlError(DomainError):
    default_message = _l("Signing in through your organisation did not work. Please try again, or ask your "
                         "organisation's administrator.")


class MetadataUnusable(DomainError):
    default_message = _l("This is not the SAML metadata of an identity provider Koers can use: it needs its "
                         "entity id, a single sign-on address for HTTP-Redirect and a signing certificate.")


class MetadataUnreachable(DomainError):
    default_message = _l("The identity provider's metadata could not be fetched from this address (https, "
                         "answering with XML). Check it, or paste the metadata instead.")


class StateMismatch(SamlError):
    default_message = _l("This sign-in answer does not belong to a sign-in started in this browser (or it "
                         "came too late). Please start again.")


class NotSigned(SamlError):
    default_message = _l("The sign-in service's answer was not signed, so nobody was signed in. Its "
                         "administrator must have it sign its SAML assertions.")


class BadSignature(SamlError):
    default_message = _l("The signature on the sign-in service's answer is not one of the certificates in its "
                         "metadata, so nobody was signed in. If it changed its certificate, the administrator "
                         "saves its metadata here again.")


class WrongAudience(SamlError):
    default_message = _l("The sign-in service's answer was meant for another application, so nobody was signed "
                         "in.")


class WrongRecipient(SamlError):
    default_message = _l("The sign-in service's answer was addressed to another address, so nobody was signed "
                         "in.")


class Expired(SamlError):
    default_message = _l("The sign-in service's answer has expired or is not valid yet, so nobody was signed "
                         "in. Please start again (if it happens again, a clock is wrong).")


class Replayed(SamlError):
    default_message = _l("This sign-in answer has been used before, so nobody was signed in. Please start "
                         "again.")


class Refused(SamlError):
    default_message = _l("The sign-in service's answer failed the checks, so nobody was signed in.")


class ProviderDeclined(SamlError):
    default_message = _l("The sign-in service did not sign you in (it was cancelled or refused there).")


@dataclass(frozen=True)
class ServiceProvider:
    """Koers for one tenant, as the identity provider knows it."""
    entity_id: str  # the metadata's address
    acs_url: str  # the assertion consumer service (HTTP-POST)


@dataclass(frozen=True)
class IdentityProvider:
    entity_id: str
    sso_url: str  # its single sign-on service for HTTP-Redirect


@dataclass
class Answer:
    """What a checked answer vouches for."""
    issuer: str
    name_id: str
    name_id_format: str | None
    assertion_id: str
    not_on_or_after: datetime
    attributes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def email(self) -> str | None:
        if self.name_id_format == NAMEID_FORMAT_EMAILADDRESS and "@" in self.name_id:
            return self.name_id
        return None


def _config(sp: ServiceProvider, idp_metadata: str | None) -> SPConfig:
    config = SPConfig()
    config.load({
        "entityid": sp.entity_id,
        "xmlsec_binary": XMLSEC,
        "accepted_time_diff": CLOCK_SKEW,
        "allow_unknown_attributes": True,
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(sp.acs_url, BINDING_HTTP_POST)]},
            "want_assertions_signed": True,
            "want_response_signed": False,  # checked when it is there; the assertion's own is required
            "allow_unsolicited": False,
            "authn_requests_signed": False,
            "name_id_format_allow_create": True,
        }},
        "metadata": {"inline": [idp_metadata]} if idp_metadata else {},
    })
    return config


# ---- metadata ------------------------------------------------------------------------------------

def sp_metadata(sp: ServiceProvider) -> str:
    """Koers's metadata for the identity provider: the entity id and the assertion consumer service. Koers
    signs no requests and takes no encrypted assertions, so it publishes no certificate."""
    config = Config()  # no xmlsec binary: the metadata does not list the algorithms xmlsec1 supports
    config.load({"entityid": sp.entity_id, "service": {"sp": {
        "endpoints": {"assertion_consumer_service": [(sp.acs_url, BINDING_HTTP_POST)]},
        "want_assertions_signed": True, "authn_requests_signed": False,
        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS]}}})
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + str(entity_descriptor(config))


def fetch_metadata(url: str) -> str:
    url = (url or "").strip()
    if not address_allowed(url):
        raise MetadataUnreachable(field="saml_metadata_url")
    try:
        response = requests.get(url, timeout=TIMEOUT, allow_redirects=False)
        response.raise_for_status()
    except requests.RequestException:
        raise MetadataUnreachable(field="saml_metadata_url")
    if len(response.text) > MAX_METADATA:
        raise MetadataUnusable(field="saml_metadata_url")
    return response.text


def read_metadata(xml: str, *, field: str = "saml_metadata") -> IdentityProvider:
    """The one identity provider the metadata describes, or MetadataUnusable."""
    xml = (xml or "").strip()
    if not xml or len(xml) > MAX_METADATA:
        raise MetadataUnusable(field=field)
    try:
        ElementTree.fromstring(xml.encode())  # no entities, no DTD: refused before pysaml2 reads it
        store = _config(ServiceProvider("urn:koers:metadata-check", "https://koers.invalid/acs"), xml).metadata
        providers = list(store.identity_providers())
        if len(providers) != 1:
            raise MetadataUnusable(field=field)
        entity_id = providers[0]
        services = store.single_sign_on_service(entity_id, BINDING_HTTP_REDIRECT)
        certificates = store.certs(entity_id, "idpsso", use="signing")
    except MetadataUnusable:
        raise
    except Exception:  # whatever pysaml2 or the XML parser makes of a wrong paste: the admin's input
        raise MetadataUnusable(field=field)
    locations = [s.get("location") for s in services if isinstance(s, dict)]
    if not locations or not locations[0] or not address_allowed(locations[0]) or not certificates:
        raise MetadataUnusable(field=field)
    return IdentityProvider(entity_id=entity_id, sso_url=locations[0])


def origin(address: str) -> str:
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.netloc}"


# ---- signing in ----------------------------------------------------------------------------------

def authn_request(sp: ServiceProvider, idp_metadata: str) -> tuple[str, dict]:
    """The identity provider's address with the AuthnRequest (HTTP-Redirect), and what the answer is checked
    against (kept in the browser's signed session): the request's id and the RelayState."""
    idp = read_metadata(idp_metadata)
    client = Saml2Client(_config(sp, idp_metadata))
    relay_state = rndstr(32)
    request_id, info = client.prepare_for_authenticate(entityid=idp.entity_id, relay_state=relay_state,
                                                       binding=BINDING_HTTP_REDIRECT)
    location = dict(info["headers"])["Location"]
    return location, {"request_id": request_id, "relay_state": relay_state}


def finish(sp: ServiceProvider, idp_metadata: str, saml_response: str, relay_state: str,
           pending: dict | None) -> Answer:
    """The posted answer checked (see the module's docstring), or refused with the reason."""
    if not pending or not pending.get("request_id") or not isinstance(relay_state, str) \
            or not hmac.compare_digest(relay_state.encode(), str(pending.get("relay_state", "")).encode()):
        raise StateMismatch()
    if not saml_response or len(saml_response) > MAX_RESPONSE:
        raise Refused()
    _check_destination(sp, saml_response)
    idp = read_metadata(idp_metadata)
    client = Saml2Client(_config(sp, idp_metadata))
    try:
        response = client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding={pending["request_id"]: "/"},
            conv_info={"koers": "recipient is checked against the assertion consumer service"})
    except StatusError:
        raise ProviderDeclined()
    except UnsolicitedResponse:
        raise StateMismatch()
    except (ResponseLifetimeExceed, ToEarly):
        raise Expired()
    except SignatureError as error:
        raise NotSigned() if "missing" in str(error).lower() else BadSignature()
    except SigverError:
        raise BadSignature()
    except VerificationError as error:
        raise WrongRecipient() if "recipient" in str(error).lower() else Refused()
    except Exception as error:  # pysaml2 raises a bare Exception for some checks; any other is a refusal
        if "AudienceRestriction" in str(error):
            raise WrongAudience()
        raise Refused()
    if response is None or response.assertion is None:
        raise Refused()
    return _checked(sp, idp, response)


def _check_destination(sp: ServiceProvider, saml_response: str) -> None:
    """The response names our assertion consumer service as its Destination (pysaml2 lets a missing one pass)."""
    try:
        root = ElementTree.fromstring(base64.b64decode(saml_response, validate=False))
    except (binascii.Error, ValueError, ElementTree.ParseError, DefusedXmlException):
        raise Refused()
    if root.tag != PROTOCOL_NS + "Response":
        raise Refused()
    if root.get("Destination") != sp.acs_url:
        raise WrongRecipient()


def _checked(sp: ServiceProvider, idp: IdentityProvider, response) -> Answer:
    assertion = response.assertion
    if assertion.signature is None:
        raise NotSigned()
    for signature in (assertion.signature, response.response.signature):
        if signature is not None and _weak(signature):
            raise BadSignature()
    issuer = response.issuer()
    if issuer != idp.entity_id or (assertion.issuer is not None and (assertion.issuer.text or "").strip() != issuer):
        raise Refused()
    conditions = assertion.conditions
    restrictions = conditions.audience_restriction if conditions is not None else []
    if not restrictions or not all(any((a.text or "").strip() == sp.entity_id for a in r.audience)
                                   for r in restrictions):
        raise WrongAudience()
    confirmations = [c for c in assertion.subject.subject_confirmation if c.method == SCM_BEARER]
    if not confirmations or any(c.subject_confirmation_data is None
                                or c.subject_confirmation_data.recipient != sp.acs_url for c in confirmations):
        raise WrongRecipient()
    name_id = response.name_id
    if name_id is None or not (name_id.text or "").strip():
        raise Refused()
    return Answer(issuer=issuer, name_id=name_id.text.strip(), name_id_format=name_id.format,
                  assertion_id=assertion.id, not_on_or_after=_until(response, confirmations),
                  attributes=_attributes(response))


def _weak(signature) -> bool:
    info = signature.signed_info
    algorithms = [info.signature_method.algorithm if info.signature_method else ""]
    algorithms += [r.digest_method.algorithm if r.digest_method else "" for r in info.reference]
    return any(not a or any(weak in a.lower() for weak in WEAK_ALGORITHMS) for a in algorithms)


def _until(response, confirmations) -> datetime:
    """Until when the assertion could be presented: the latest of its NotOnOrAfter times (its id is remembered
    that long, plus the clock skew)."""
    moments = [response.not_on_or_after] if response.not_on_or_after else []
    for confirmation in confirmations:
        text = confirmation.subject_confirmation_data.not_on_or_after
        if text:  # pysaml2 has read it already (the answer is valid until then)
            moments.append(calendar.timegm(str_to_time(text)))
    if not moments:
        return datetime.now(timezone.utc) + timedelta(hours=1)
    return datetime.fromtimestamp(max(moments), timezone.utc) + timedelta(seconds=CLOCK_SKEW)


def _attributes(response) -> dict[str, list[str]]:
    """Every attribute by its Name and by its FriendlyName (Entra ID names them by URI, others by OID with a
    friendly name), and as pysaml2 names the ones it knows (`mail`, `displayName`, ...)."""
    found: dict[str, list[str]] = {}
    for name, values in (response.ava or {}).items():
        found[name] = [v for v in values if isinstance(v, str)]
    for statement in response.assertion.attribute_statement:
        for attribute in statement.attribute:
            values = [(v.text or "").strip() for v in attribute.attribute_value if v.text]
            for name in (attribute.name, attribute.friendly_name):
                if name:
                    found.setdefault(name, values)
    return found


def transient(answer: Answer) -> bool:
    """A NameID made up for this one sign-in: it says nothing about who comes back."""
    return answer.name_id_format == NAMEID_FORMAT_TRANSIENT
