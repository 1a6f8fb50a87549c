"""A tenant's single sign-on: its configuration, and turning what the provider vouches for into a signed-in
member (just in time). Plain functions over a session scoped to the tenant. An OpenID provider (saas.sso.oidc)
and a SAML identity provider (saas.sso.saml) feed the same `sign_in`: the SAML assertion's attributes are its
claims."""
from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from saas.auth import service as accounts
from saas.auth.models import User
from saas.kernel import audit
from saas.kernel.db import utcnow
from saas.kernel.errors import DomainError
from saas.sso import oidc, saml
from saas.sso.models import OidcConnection, SamlAnswer, SamlAssertionSeen, SsoIdentity
from tenants.models import LegacyOrganisation, Membership, MembershipRole, Role, ROLE_VALUES


class NotConfigured(DomainError):
    status = 404
    default_message = _l("This organisation does not sign in through single sign-on here.")


class NoAddress(DomainError):
    default_message = _l("The sign-in service did not tell us your e-mail address, so you could not be signed "
                         "in. Ask your organisation's administrator.")


class AddressNotVouched(DomainError):
    default_message = _l("The sign-in service did not confirm your e-mail address, so you could not be signed "
                         "in. Ask your organisation's administrator.")


class DomainNotAllowed(DomainError):
    default_message = _l("People with this e-mail address may not sign in to this organisation. Ask its "
                         "administrator.")


class NotAMember(DomainError):
    default_message = _l("You are not a member of this organisation yet, and it does not add people at their "
                         "first sign-in. Ask its administrator for an invitation.")


class SecretNeeded(DomainError):
    default_message = _l("Enter the client secret the first time (it is never shown again).")


class BreakGlassNotAdmin(DomainError):
    default_message = _l("The break-glass account must be one of this organisation's administrators.")


class RequiredNeedsBreakGlass(DomainError):
    default_message = _l("Choose a break-glass administrator before requiring single sign-on, so that the "
                         "organisation can still get in when its sign-in service is down.")


class RoleMapInvalid(DomainError):
    default_message = _l("Write one mapping a line, as: value = role (admin, management, sponsor, member, "
                         "works_council, consultant).")


class IssuerUnusable(DomainError):
    default_message = _l("Use the https address of the issuer (Entra ID: https://login.microsoftonline.com/"
                         "<directory id>/v2.0), not the common or organizations address.")


class MetadataNeeded(DomainError):
    default_message = _l("Enter the address of the identity provider's SAML metadata, or paste the metadata.")


OIDC, SAML = "oidc", "saml"
PROTOCOLS = (OIDC, SAML)
ANSWER_KEPT = timedelta(minutes=5)  # how long a posted SAML answer waits for its browser to come back


# ---- configuration --------------------------------------------------------------------------------

def connection(db) -> OidcConnection | None:
    return db.scalar(select(OidcConnection))


def _fernet(secret_key: str) -> Fernet:
    key = hashlib.sha256(("koers-sso-client-secret:" + secret_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def client_secret(connection_: OidcConnection, secret_key: str) -> str:
    try:
        return _fernet(secret_key).decrypt(connection_.client_secret.encode()).decode()
    except InvalidToken:  # the app's secret key changed: the admin enters the client secret again
        return ""


def parse_role_map(text: str) -> dict[str, str]:
    mapping = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        value, sep, role = line.rpartition("=")
        value, role = value.strip(), role.strip().lower()
        if not sep or not value or role not in ROLE_VALUES:
            raise RoleMapInvalid(field="role_map")
        mapping[value] = role
    return mapping


def role_map_text(mapping: dict | None) -> str:
    return "\n".join(f"{value} = {role}" for value, role in sorted((mapping or {}).items()))


def save(db, *, display_name: str, issuer: str, client_id: str, new_secret: str, scopes: str, email_claim: str,
         legacy_org_claim: str, role_claim: str, role_map: str, allowed_domains: str, trust_email: bool, jit: bool,
         enabled: bool, sso_required: bool, break_glass_user_id: int | None, secret_key: str,
         enforces_mfa: bool = True, protocol: str = OIDC, saml_metadata_url: str = "", saml_metadata: str = "") -> OidcConnection:
    """Create or change the tenant's provider. The client secret (OpenID Connect) is kept when none is
    entered; so is a SAML identity provider's metadata when neither an address nor metadata is entered."""
    current = connection(db)
    if protocol == SAML:
        metadata_url, metadata = _saml_metadata(current, saml_metadata_url, saml_metadata)
        issuer = saml.read_metadata(metadata, field="saml_metadata_url" if metadata_url else "saml_metadata").entity_id
    else:
        protocol = OIDC
        issuer = oidc.issuer_of(issuer)
        if not oidc.address_allowed(issuer) or "{tenantid}" in issuer.lower() \
                or (oidc.is_entra(issuer) and issuer.split("/")[3].lower() in ("common", "organizations", "consumers")):
            raise IssuerUnusable(field="issuer")
    mapping = parse_role_map(role_map)
    if break_glass_user_id is not None:
        admin = db.scalar(select(Membership).where(Membership.user_id == break_glass_user_id))
        if admin is None or Role.ADMIN.value not in admin.roles:
            raise BreakGlassNotAdmin(field="break_glass_user_id")
    if sso_required and break_glass_user_id is None:
        raise RequiredNeedsBreakGlass(field="break_glass_user_id")
    before = _audited(current) if current is not None else {}
    if protocol == OIDC and not new_secret and (current is None or not current.client_secret):
        raise SecretNeeded(field="client_secret")
    if current is None:
        current = OidcConnection(role_map={}, client_secret="")
        db.add(current)
    if new_secret and protocol == OIDC:
        current.client_secret = _fernet(secret_key).encrypt(new_secret.encode()).decode()
    scope_words = [w for w in (scopes or "").split() if w != "openid"]
    current.protocol = protocol
    current.display_name = display_name.strip()
    current.issuer = issuer
    if protocol == SAML:
        current.saml_metadata_url, current.saml_metadata = metadata_url, metadata
        current.client_id = current.client_id or ""
    else:
        current.client_id = client_id.strip()
    current.scopes = " ".join(["openid", *dict.fromkeys(scope_words)])
    current.email_claim = email_claim.strip() or "email"
    current.legacy_org_claim = legacy_org_claim.strip() or None
    current.role_claim = role_claim.strip() or None
    current.role_map = mapping
    current.allowed_domains = " ".join(_domains(allowed_domains))
    current.trust_email, current.jit, current.enabled = trust_email, jit, enabled
    current.enforces_mfa = enforces_mfa
    current.sso_required, current.break_glass_user_id = sso_required, break_glass_user_id
    db.flush()
    after = _audited(current)
    changed = {key: {"from": before.get(key), "to": value} for key, value in after.items() if before.get(key) != value}
    if new_secret:
        changed["client_secret"] = "new"  # never the secret itself
    if changed:
        audit.record(db, "settings.sso", obj=current, detail=changed)
    oidc.forget(issuer)
    return current


_AUDITED = ("display_name", "issuer", "client_id", "scopes", "email_claim", "legacy_org_claim", "role_claim",
            "role_map", "allowed_domains", "trust_email", "jit", "enabled", "sso_required", "break_glass_user_id",
            "enforces_mfa", "protocol", "saml_metadata_url")


def _audited(current: OidcConnection) -> dict:
    return {key: getattr(current, key) for key in _AUDITED}


def _saml_metadata(current: OidcConnection | None, url: str, pasted: str) -> tuple[str | None, str]:
    """The identity provider's metadata: fetched from its address, else pasted, else the one kept."""
    url, pasted = (url or "").strip(), (pasted or "").strip()
    if url:
        return url, saml.fetch_metadata(url)
    if pasted:
        return None, pasted
    if current is not None and current.protocol == SAML and current.saml_metadata:
        return current.saml_metadata_url, current.saml_metadata
    raise MetadataNeeded(field="saml_metadata_url")


def _domains(text: str) -> list[str]:
    return [d.strip().lower().lstrip("@") for d in (text or "").replace(",", " ").split() if d.strip()]


def admins(db) -> list[Membership]:
    return [m for m in db.scalars(select(Membership).join(Membership.user).order_by(User.name)).unique()
            if Role.ADMIN.value in m.roles]


def is_admin(db, user_id: int) -> bool:
    membership = db.scalar(select(Membership).where(Membership.user_id == user_id))
    return membership is not None and Role.ADMIN.value in membership.roles


# ---- signing in ----------------------------------------------------------------------------------

def enabled_connection(db) -> OidcConnection:
    current = connection(db)
    if current is None or not current.enabled:
        raise NotConfigured()
    return current


def provider_origin(current: OidcConnection) -> str | None:
    """Where the "Sign in with …" button's form leads (the provider's authorization endpoint's origin, or the
    SAML identity provider's single sign-on service's); None while the provider cannot be reached (pressing
    the button then says so)."""
    try:
        if current.protocol == SAML:
            return saml.origin(saml.read_metadata(current.saml_metadata).sso_url)
        return oidc.origin(oidc.discover(current.issuer)["authorization_endpoint"])
    except (oidc.OidcError, saml.MetadataUnusable):
        return None


def begin(db, redirect_uri: str, sp: saml.ServiceProvider | None = None) -> tuple[str, dict]:
    """Where to send the browser, and what to keep in its session to check the answer with: the OpenID
    provider's authorization request, or the SAML AuthnRequest (for Koers as the service provider `sp`)."""
    current = enabled_connection(db)
    if current.protocol == SAML:
        url, pending = saml.authn_request(sp, current.saml_metadata)
        return url, {"protocol": SAML, **pending}
    return oidc.authorization_request(current.issuer, current.client_id, redirect_uri, current.scopes)


def complete(db, *, answer: dict, pending: dict | None, redirect_uri: str,
             secret_key: str) -> tuple[User, bool, bool]:
    """The account the provider's answer signs in, a member of this tenant, whether to ask the person for their
    legacy organisation (once, when no claim told it), and whether the ID token says more than a password was
    used (`mfa_claimed`)."""
    current = enabled_connection(db)
    if current.protocol != OIDC:
        raise NotConfigured()
    try:
        claims = oidc.finish(current.issuer, current.client_id, client_secret(current, secret_key), redirect_uri,
                             current.scopes, answer, pending)
        return (*sign_in(db, current, claims), mfa_claimed(claims))
    except DomainError as error:  # on the tenant's trail once the caller has rolled back (audit.keep_refusal)
        raise audit.refused(error, "signin.failed", result=audit.FAILED, obj=current,
                            detail={"method": "oidc", "reason": type(error).__name__})


# RFC 8176's authentication methods that are more than a password: "mfa" itself; a one-time code, a hardware or
# software key, a smart card (PKIoverheid passes), a code by text or call. Entra ID sends "mfa" once its
# Conditional Access asked for a second factor.
MFA_METHODS = frozenset({"mfa", "otp", "hwk", "swk", "sc", "sms", "tel"})


def mfa_claimed(claims: dict) -> bool:
    """Whether the ID token's `amr` claim names a method beyond the password."""
    methods = claims.get("amr")
    return isinstance(methods, list) and any(isinstance(m, str) and m.lower() in MFA_METHODS for m in methods)


def keep_answer(db, saml_response: str, relay_state: str) -> str:
    """Keep what the identity provider posted (a cross-site POST: no session cookie comes with it) under a
    one-time key for the browser's next request. Kept as posted; checked only then."""
    db.execute(delete(SamlAnswer).where(SamlAnswer.received_at < utcnow() - ANSWER_KEPT))
    key = secrets.token_urlsafe(32)
    too_long = not isinstance(saml_response, str) or len(saml_response) > saml.MAX_RESPONSE
    db.add(SamlAnswer(key_hash=_hash(key), response="" if too_long else saml_response,
                      relay_state=(relay_state or "")[:200]))
    db.flush()
    return key


def take_answer(db, key: str) -> tuple[str, str] | None:
    """The posted answer (response, RelayState) the key was given for, once, while it is fresh."""
    if not key or len(key) > 100:
        return None
    db.execute(delete(SamlAnswer).where(SamlAnswer.received_at < utcnow() - ANSWER_KEPT))
    kept = db.scalar(select(SamlAnswer).where(SamlAnswer.key_hash == _hash(key)))
    if kept is None:
        return None
    db.delete(kept)
    db.flush()
    return kept.response, kept.relay_state


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def complete_saml(db, *, saml_response: str, relay_state: str, pending: dict | None,
                  sp: saml.ServiceProvider) -> tuple[User, bool, bool]:
    """The account a SAML answer signs in (as `complete` for OpenID Connect): checked by saas.sso.saml,
    refused when its assertion was seen before, then the same `sign_in` with its attributes as claims. The
    third value (a second factor claimed by the answer) is always False: SAML has no standard claim for it,
    so only the admin's "our identity provider enforces multi-factor sign-in" counts for the 2FA policy."""
    current = enabled_connection(db)
    if current.protocol != SAML:
        raise NotConfigured()
    if not isinstance(pending, dict) or pending.get("protocol") != SAML:
        pending = None
    try:
        answer = saml.finish(sp, current.saml_metadata, saml_response, relay_state, pending)
        _remember(db, answer)
        return (*sign_in(db, current, saml_claims(current, answer)), False)
    except DomainError as error:  # on the tenant's trail once the caller has rolled back (audit.keep_refusal)
        raise audit.refused(error, "signin.failed", result=audit.FAILED, obj=current,
                            detail={"method": "saml", "reason": type(error).__name__})


def _remember(db, answer: saml.Answer) -> None:
    """The assertion's id, kept until it could no longer be presented; seen before, it is a replay. The
    unique constraint decides between two web processes that take the same assertion at once."""
    db.execute(delete(SamlAssertionSeen).where(SamlAssertionSeen.not_on_or_after < utcnow()))
    if db.scalar(select(SamlAssertionSeen.id).where(SamlAssertionSeen.assertion_id == answer.assertion_id)):
        raise saml.Replayed()
    db.add(SamlAssertionSeen(assertion_id=answer.assertion_id[:255], not_on_or_after=answer.not_on_or_after))
    try:
        db.flush()
    except IntegrityError:
        raise saml.Replayed()


DISPLAY_NAMES = ("displayName", "http://schemas.microsoft.com/identity/claims/displayname", "cn", "name")
GIVEN_NAMES = ("givenName", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname")
SURNAMES = ("sn", "surname", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname")


def saml_claims(current: OidcConnection, answer: saml.Answer) -> dict:
    """A SAML answer as the claims `sign_in` reads: the attributes by name, the subject its NameID (the
    e-mail address for a transient one, which changes at every sign-in), the e-mail address the configured
    attribute's, else the NameID's when it is an address. SAML has no `email_verified`: an address links
    an account only when the admin counts the service's addresses as confirmed (`trust_email`)."""
    claims: dict = dict(answer.attributes)
    emails = _values(claims, current.email_claim)
    email = emails[0] if emails else (answer.email or "")
    subject = (email or answer.name_id) if saml.transient(answer) else answer.name_id
    name = _first(claims, DISPLAY_NAMES) or " ".join(
        part for part in (_first(claims, GIVEN_NAMES), _first(claims, SURNAMES)) if part)
    claims.update({"sub": subject[:255], current.email_claim: email, "name": name or None, "email_verified": False})
    return claims


def _first(claims: dict, names: tuple[str, ...]) -> str:
    return next((values[0] for values in (_values(claims, n) for n in names) if values), "")


def subject_of(current: OidcConnection, claims: dict) -> str:
    """Who the provider says this is, for good: Entra ID's object id `oid` (the same person in every app of
    the directory), else the standard `sub`."""
    if oidc.is_entra(current.issuer) and isinstance(claims.get("oid"), str) and claims["oid"]:
        return claims["oid"]
    return str(claims["sub"])


def sign_in(db, current: OidcConnection, claims: dict) -> tuple[User, bool]:
    issuer, subject = oidc.issuer_of(current.issuer), subject_of(current, claims)
    if oidc.is_entra(issuer) and claims.get("tid") is not None and f"/{claims['tid']}/" not in issuer + "/":
        raise oidc.TokenRefused()  # Entra ID: a token of another directory (the issuer check stops it first)
    email = claims.get(current.email_claim)
    email = accounts.normalise_email(email) if isinstance(email, str) else ""
    if email:
        _check_domain(current, email)
    identity = db.scalar(select(SsoIdentity).where(SsoIdentity.issuer == issuer, SsoIdentity.subject == subject))
    if identity is not None:
        user = db.get(User, identity.user_id)
    else:
        user = _first_sign_in(db, current, claims, email)
        identity = SsoIdentity(issuer=issuer, subject=subject, user_id=user.id)
        db.add(identity)
    signing_in = audit.Actor(user.email, user.id)
    membership = db.scalar(select(Membership).where(Membership.user_id == user.id))
    if membership is None:
        if not current.jit:
            raise NotAMember()
        membership = Membership(user_id=user.id, legacy_org_id=None)
        membership.role_rows = [MembershipRole(role=Role.MEMBER.value)]
        db.add(membership)
        db.flush()
        audit.record(db, "membership.added", obj=membership, actor=signing_in,
                     detail={"user_id": user.id, "roles": [Role.MEMBER.value], "by": "single sign-on"})
    if membership.legacy_org_id is None:
        membership.legacy_org_id = _legacy_org_from(db, current, claims)
    before = sorted(membership.roles)
    for role in sorted(_mapped_roles(current, claims) - membership.roles):
        membership.role_rows.append(MembershipRole(role=role))
    if sorted(membership.roles) != before:
        audit.record(db, "membership.roles", obj=membership, actor=signing_in, detail={
            "user_id": user.id, "roles": {"from": before, "to": sorted(membership.roles)}, "by": "single sign-on"})
    identity.last_sign_in_at = utcnow()
    # Into the tenant's trail and the account's (the platform's): who signed in here, and that they signed in.
    audit.record(db, "signin", obj=user, actor=signing_in, detail={"method": "oidc"})
    audit.record(db, "signin", platform=True, obj=user, actor=signing_in,
                 detail={"method": "oidc", "tenant_id": db.info.get("tenant_id")})
    db.flush()
    ask = (membership.legacy_org_id is None and identity.organisation_asked_at is None
           and db.scalar(select(LegacyOrganisation.id).limit(1)) is not None)
    return user, ask


def _check_domain(current: OidcConnection, email: str) -> None:
    allowed = current.allowed_domains.split()
    if allowed and email.rpartition("@")[2] not in allowed:
        raise DomainNotAllowed()


def _first_sign_in(db, current: OidcConnection, claims: dict, email: str) -> User:
    """The account for a person the provider has not signed in here before: the one with the address the
    provider vouches for, or a new one. An address the provider does not vouch for links nothing."""
    if not email:
        raise NoAddress()
    if not (claims.get("email_verified") is True or current.trust_email):
        raise AddressNotVouched()
    user = accounts.find_user(db, email)
    if user is None:
        name = claims.get("name") if isinstance(claims.get("name"), str) and claims["name"].strip() else email
        # no password anyone knows: the person signs in through the provider (or sets one by a reset link)
        user = accounts.register(db, email=email, name=name[:120], password=secrets.token_urlsafe(32),
                                 verified=True)
    else:
        accounts.confirm_address(user)  # the provider vouches for the address
    return user


def _values(claims: dict, name: str | None) -> list[str]:
    value = claims.get(name) if name else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _legacy_org_from(db, current: OidcConnection, claims: dict) -> int | None:
    for value in _values(claims, current.legacy_org_claim):
        wanted = value.strip().lower()
        for organisation in db.scalars(select(LegacyOrganisation)):
            if wanted in (organisation.code.lower(), organisation.name.lower()):
                return organisation.id
    return None


def _mapped_roles(current: OidcConnection, claims: dict) -> set[str]:
    mapping = current.role_map or {}
    return {mapping[v] for v in _values(claims, current.role_claim) if v in mapping}


def choose_legacy_org(db, user: User, legacy_org_id: int | None) -> None:
    """The person's answer to "which organisation did you come from?", asked once after the first sign-in."""
    membership = db.scalar(select(Membership).where(Membership.user_id == user.id))
    if legacy_org_id is not None and db.scalar(
            select(LegacyOrganisation.id).where(LegacyOrganisation.id == legacy_org_id)) is None:
        raise DomainError(field="legacy_org")
    if membership is not None and membership.legacy_org_id is None:
        membership.legacy_org_id = legacy_org_id
    for identity in db.scalars(select(SsoIdentity).where(SsoIdentity.user_id == user.id)):
        identity.organisation_asked_at = identity.organisation_asked_at or utcnow()


def must_choose_legacy_org(db, user: User) -> bool:
    membership = db.scalar(select(Membership).where(Membership.user_id == user.id))
    identity = db.scalar(select(SsoIdentity).where(SsoIdentity.user_id == user.id))
    return (identity is not None and identity.organisation_asked_at is None and membership is not None
            and membership.legacy_org_id is None)
