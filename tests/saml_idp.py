"""A real SAML identity provider for the tests: pysaml2's own IdP logic (saml2.server.Server) behind a small
WSGI app, served on loopback in a thread, with a key and certificate made for it at start (nothing committed).
Koers fetches its metadata, sends the browser to it with an AuthnRequest (HTTP-Redirect) and gets its answer
posted back (HTTP-POST), as from any identity provider; nothing in Koers is mocked.

Its login page is a plain form (who you are; no password). `answer` says how the next answers are made, each
bad case by asking pysaml2's Server differently, never by editing XML:
- sign_assertion / sign_response: what is signed (default: the assertion);
- signer="other": signed by another key than the one in the metadata (a second Server with that key);
- audience / destination / recipient: another service provider's entity id, another consumer address in the
  response's Destination, in the assertion's SubjectConfirmationData Recipient only;
- in_response_to: another request's id, or None for an unsolicited answer;
- clock=seconds: the identity provider's clock runs that far off while it answers (its NotBefore,
  NotOnOrAfter and IssueInstant move with it), e.g. -600 for an answer that expired five minutes ago.
`last_answer` keeps the last answer as posted (to replay it)."""
from __future__ import annotations

import contextlib
import datetime
import html
import re
import threading
from pathlib import Path
from urllib.parse import parse_qs, urljoin

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, time_util
from saml2.argtree import add_path
from saml2.config import IdPConfig
from saml2.mdstore import MetadataStore
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_PERSISTENT, SCM_BEARER, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

XMLSEC = "/usr/bin/xmlsec1"
_clock_lock = threading.Lock()


def key_pair(folder: Path, name: str) -> tuple[str, str]:
    """A fresh RSA key and a self-signed certificate for it, as PEM files (what pysaml2 reads)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=7))
                   .sign(key, hashes.SHA256()))
    key_file, cert_file = folder / f"{name}.key", folder / f"{name}.crt"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


@contextlib.contextmanager
def _clock(offset: int):
    """pysaml2's clock (saml2.time_util) running `offset` seconds off while the identity provider answers."""
    if not offset:
        yield
        return
    real_time, real_datetime = time_util.time, time_util.datetime

    class ShiftedTime:
        def __getattr__(self, name):
            return getattr(real_time, name)

        def gmtime(self, *args):
            return real_time.gmtime(*args) if args else real_time.gmtime(real_time.time() + offset)

    class ShiftedDatetime(real_datetime):
        @classmethod
        def now(cls, tz=None):
            return real_datetime.now(tz) + datetime.timedelta(seconds=offset)

    with _clock_lock:
        time_util.time, time_util.datetime = ShiftedTime(), ShiftedDatetime
        try:
            yield
        finally:
            time_util.time, time_util.datetime = real_time, real_datetime


class IdentityProvider:
    def __init__(self, folder: Path, accounts: dict[str, dict], host: str = "localhost"):
        self.accounts = accounts
        self.answer: dict = {}
        self.last_answer: dict | None = None
        self.http = make_server("127.0.0.1", 0, self.wsgi, threaded=True, request_handler=_Quiet)
        self.base = f"http://{host}:{self.http.server_port}"
        self.entity_id = self.base + "/metadata"
        self.server = Server(config=self._config(*key_pair(folder, "idp")))
        self.impostor = Server(config=self._config(*key_pair(folder, "impostor")))
        self.metadata = create_metadata_string(None, self.server.config).decode()
        self.thread = threading.Thread(target=self.http.serve_forever, name="saml-idp", daemon=True)
        self.thread.start()

    def _config(self, key_file: str, cert_file: str) -> IdPConfig:
        config = IdPConfig()
        config.load({
            "entityid": self.entity_id, "key_file": key_file, "cert_file": cert_file, "xmlsec_binary": XMLSEC,
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(self.base + "/sso", BINDING_HTTP_REDIRECT)]},
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_PERSISTENT],
                "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None}},
            }},
        })
        return config

    def trust(self, sp_metadata: str) -> None:
        """Register a service provider by its metadata (what an admin does at a real identity provider)."""
        for server in (self.server, self.impostor):
            if server.metadata is None:
                server.metadata = server.config.metadata = MetadataStore(server.config.attribute_converters,
                                                                         server.config)
            server.metadata.load("inline", sp_metadata)

    def stop(self) -> None:
        self.http.shutdown()
        self.thread.join(timeout=5)
        self.http.server_close()

    # ---- the identity provider's pages ----------------------------------------------------------

    def wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path == "/metadata":
            response = Response(self.metadata, mimetype="application/samlmetadata+xml")
        elif request.path == "/sso":
            response = Response(self._login_page(request.args.get("SAMLRequest", ""),
                                                  request.args.get("RelayState", "")), mimetype="text/html")
        elif request.path == "/login" and request.method == "POST":
            response = Response(self._answer_page(request.form), mimetype="text/html")
        else:
            response = Response("not here", status=404)
        return response(environ, start_response)

    def _login_page(self, saml_request: str, relay_state: str) -> str:
        return _PAGE.format(title="Test identity provider", body=f"""
<form method="post" action="/login">
  <input type="hidden" name="SAMLRequest" value="{html.escape(saml_request)}">
  <input type="hidden" name="RelayState" value="{html.escape(relay_state)}">
  <label for="login">Who are you?</label> <input id="login" name="login" autocomplete="username">
  <button type="submit">Sign in here</button>
</form>""")

    def _answer_page(self, form) -> str:
        """pysaml2's Server answers the AuthnRequest for the person; the page posts it back (HTTP-POST)."""
        request = self.server.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_REDIRECT).message
        person = self.accounts[form["login"]]
        answer = dict(self.answer)
        server = self.impostor if answer.pop("signer", None) == "other" else self.server
        post_to = request.assertion_consumer_service_url  # where the page posts it, whatever the answer names
        destination = answer.pop("destination", post_to)
        name_id = NameID(format=person.get("name_id_format", NAMEID_FORMAT_EMAILADDRESS),
                         text=person.get("name_id", person.get("mail", [form["login"]])[0]))
        identity = {k: v for k, v in person.items() if k not in ("name_id", "name_id_format")}
        if "recipient" in answer:  # pysaml2 keeps a Recipient it is given in its assertion's arguments
            farg = add_path({}, ["assertion", "subject", "subject_confirmation", "method", SCM_BEARER])
            add_path(farg["assertion"]["subject"]["subject_confirmation"],
                     ["subject_confirmation_data", "recipient", answer.pop("recipient")])
            answer["farg"] = farg
        with _clock(answer.pop("clock", 0)):
            response = server.create_authn_response(
                identity, answer.pop("in_response_to", request.id), destination,
                answer.pop("audience", request.issuer.text), name_id=name_id,
                authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
                sign_assertion=answer.pop("sign_assertion", True), sign_response=answer.pop("sign_response", False),
                sign_alg=answer.pop("sign_alg", SIG_RSA_SHA256), digest_alg=answer.pop("digest_alg", DIGEST_SHA256),
                **answer)
        info = server.apply_binding(BINDING_HTTP_POST, str(response), destination, form.get("RelayState", ""),
                                    response=True)
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', info["data"]))
        self.last_answer = {"action": post_to, **{k: html.unescape(v) for k, v in fields.items()}}
        inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
                         for k, v in self.last_answer.items() if k != "action")
        return _PAGE.format(title="Back to the application", body=f"""
<form method="post" action="{html.escape(post_to)}">{inputs}
  <button type="submit">Continue</button>
</form>""")

    # ---- a person at these pages, without a browser ------------------------------------------------

    def sign_in(self, authn_request_url: str, login: str) -> dict:
        """Follow Koers's redirect to the login page and sign in as `login`: the form the identity provider's
        page would post back (its `action` and fields)."""
        http = requests.Session()
        page = http.get(authn_request_url, timeout=10)
        page.raise_for_status()
        fields = {name: html.unescape(value) for name, value in
                  re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text)}
        query = parse_qs(authn_request_url.partition("?")[2])
        assert fields["SAMLRequest"] == query["SAMLRequest"][0]
        answered = http.post(urljoin(authn_request_url, "/login"), data={**fields, "login": login}, timeout=10)
        answered.raise_for_status()
        return dict(self.last_answer)


class _Quiet(WSGIRequestHandler):
    def log(self, *args, **kwargs):
        pass


_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""
