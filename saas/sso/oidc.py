"""The OpenID Connect protocol, with Authlib: discovery, the authorization request (state, nonce, PKCE S256)
and the code's exchange with the ID token checked (signature by the provider's published keys, issuer,
audience, expiry, nonce, at_hash). Nothing here knows tenants or accounts (saas.sso.service does).

Microsoft Entra ID: the tenant-specific issuer `https://login.microsoftonline.com/<tid>/v2.0`; the
multi-tenant `common` / `organizations` endpoints are refused (their issuer names no one organisation)."""
from __future__ import annotations

import ipaddress
import time
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from flask_babel import lazy_gettext as _l
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from saas.kernel.errors import DomainError

TIMEOUT = 10  # seconds for each call to the provider
CLOCK_SKEW = 120  # seconds of leeway on exp/iat
_DISCOVERY_TTL = 300
_discovered: dict[str, tuple[float, dict]] = {}
DISCOVERY_PATH = "/.well-known/openid-configuration"


class OidcError(DomainError):
    default_message = _l("Signing in through your organisation did not work. Please try again, or ask your "
                         "organisation's administrator.")


class ProviderUnreachable(OidcError):
    default_message = _l("The organisation's sign-in service could not be reached or did not answer as an "
                         "OpenID provider. Check the issuer address.")


class WrongIssuer(OidcError):
    default_message = _l("The sign-in service names itself differently from the issuer configured for this "
                         "organisation, so its answer was refused.")


class StateMismatch(OidcError):
    default_message = _l("This sign-in answer does not belong to a sign-in started in this browser (or it "
                         "came too late). Please start again.")


class TokenRefused(OidcError):
    default_message = _l("The sign-in service's answer failed the checks (signature, issuer, audience, expiry "
                         "or nonce), so nobody was signed in.")


class ProviderDeclined(OidcError):
    default_message = _l("The sign-in service did not sign you in (it was cancelled or refused there).")


def issuer_of(address: str) -> str:
    """The issuer an admin means: the discovery URL without its well-known part, without a trailing slash."""
    address = (address or "").strip()
    if address.endswith(DISCOVERY_PATH):
        address = address[: -len(DISCOVERY_PATH)]
    return address.rstrip("/")


def address_allowed(address: str) -> bool:
    """https, or plain http to this machine only (a provider run beside Koers, as in the tests)."""
    parts = urlsplit(address)
    if not parts.hostname or parts.username or parts.password:
        return False
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def origin(address: str) -> str:
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.netloc}"


def is_entra(issuer: str) -> bool:
    return urlsplit(issuer).hostname == "login.microsoftonline.com"


def discover(issuer: str) -> dict:
    """The provider's metadata, with its signing keys; its `issuer` must be exactly the configured one."""
    issuer = issuer_of(issuer)
    cached = _discovered.get(issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    if not address_allowed(issuer) or "{tenantid}" in issuer.lower():
        raise ProviderUnreachable()
    try:
        metadata = _get_json(issuer + DISCOVERY_PATH)
        if metadata.get("issuer") != issuer:
            raise WrongIssuer()
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(metadata.get(key), str) or not address_allowed(metadata[key]):
                raise ProviderUnreachable()
        metadata = dict(metadata, jwks=_get_json(metadata["jwks_uri"]))
    except (requests.RequestException, ValueError):
        raise ProviderUnreachable()
    _discovered[issuer] = (time.monotonic() + _DISCOVERY_TTL, metadata)
    return metadata


def forget(issuer: str) -> None:
    """Drop the cached metadata (the admin changed the configuration; the keys rotated)."""
    _discovered.pop(issuer_of(issuer), None)


def _get_json(url: str) -> dict:
    response = requests.get(url, timeout=TIMEOUT, allow_redirects=False)
    response.raise_for_status()
    data = response.json()
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _client(metadata: dict, client_id: str, client_secret: str, redirect_uri: str, scope: str) -> OAuth2Session:
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return OAuth2Session(client_id, client_secret, scope=scope, redirect_uri=redirect_uri,
                         code_challenge_method="S256", token_endpoint_auth_method=method)


def authorization_request(issuer: str, client_id: str, redirect_uri: str, scope: str) -> tuple[str, dict]:
    """The provider's address to send the browser to, and what the callback needs to check its answer
    (kept in the browser's signed session: state, nonce, the PKCE verifier)."""
    metadata = discover(issuer)
    pending = {"state": generate_token(32), "nonce": generate_token(32), "verifier": generate_token(64)}
    with _client(metadata, client_id, "", redirect_uri, scope) as client:
        url, _state = client.create_authorization_url(
            metadata["authorization_endpoint"], state=pending["state"], nonce=pending["nonce"],
            code_verifier=pending["verifier"])
    return url, pending


def finish(issuer: str, client_id: str, client_secret: str, redirect_uri: str, scope: str, answer: dict,
           pending: dict | None) -> dict:
    """The provider's answer at the callback turned into the claims it vouches for, or refused."""
    if not pending or not answer.get("state") or answer.get("state") != pending.get("state"):
        raise StateMismatch()
    if answer.get("error"):
        raise ProviderDeclined()
    metadata = discover(issuer)
    if answer.get("iss") is not None and answer.get("iss") != metadata["issuer"]:  # RFC 9207 mix-up defence
        raise WrongIssuer()
    if not answer.get("code"):
        raise ProviderDeclined()
    with _client(metadata, client_id, client_secret, redirect_uri, scope) as client:
        try:
            token = client.fetch_token(metadata["token_endpoint"], code=answer["code"],
                                       code_verifier=pending["verifier"], timeout=TIMEOUT)
        except (AuthlibBaseError, requests.RequestException, ValueError):
            raise TokenRefused()
        if not token.get("id_token"):
            raise TokenRefused()
        claims = id_token_claims(metadata, token["id_token"], client_id=client_id, nonce=pending["nonce"],
                                 access_token=token.get("access_token"))
        return _with_userinfo(client, metadata, claims)


def id_token_claims(metadata: dict, id_token: str, *, client_id: str, nonce: str,
                    access_token: str | None = None) -> dict:
    """The ID token's claims once its signature, issuer, audience, expiry and nonce are checked."""
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [a for a in algorithms if a != "none"]
    try:
        keys = KeySet.import_key_set(metadata["jwks"])
        token = jwt.decode(id_token, keys, algorithms=algorithms,
                           registry=JWSRegistry(algorithms=algorithms, strict_check_header=False))
        params = {"nonce": nonce, "client_id": client_id}
        if access_token:
            params["access_token"] = access_token
        claims = CodeIDToken(token.claims, token.header, {
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": client_id},
            "nonce": {"essential": True, "value": nonce},
        }, params)
        claims.validate(leeway=CLOCK_SKEW)
    except (JoseError, ValueError, KeyError, TypeError):
        raise TokenRefused()
    if isinstance(claims.get("aud"), list) and len(claims["aud"]) > 1 and claims.get("azp") != client_id:
        raise TokenRefused()
    return dict(claims)


def _with_userinfo(client: OAuth2Session, metadata: dict, claims: dict) -> dict:
    """Claims a provider puts only in its userinfo answer (oidc-provider, by the standard) added to the ID
    token's; the ID token's own stay as they are, and how the person signed in (amr, acr) is taken from the ID
    token alone. The userinfo must be about the same subject."""
    endpoint = metadata.get("userinfo_endpoint")
    if not endpoint or not address_allowed(endpoint):
        return claims
    try:
        response = client.get(endpoint, timeout=TIMEOUT)
        response.raise_for_status()
        info = response.json()
    except (AuthlibBaseError, requests.RequestException, ValueError):
        return claims
    if not isinstance(info, dict) or info.get("sub") != claims.get("sub"):
        return claims
    # how the person signed in is the signed ID token's word only (the two-factor policy reads `amr`)
    info = {key: value for key, value in info.items() if key not in ("amr", "acr", "auth_time")}
    return {**info, **claims}
