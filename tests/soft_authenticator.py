"""A security key in software, for the service-level tests of saas.auth.security_keys: it answers the options
Koers makes as an authenticator and a browser would together (attestation "none", ES256, a sign counter), and
can be told to answer wrongly (another origin, another challenge, a counter that goes back). The browser test
uses Chromium's own virtual authenticator instead."""
from __future__ import annotations

import base64
import hashlib
import json
import os

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40  # authenticator data flags: user present, user verified, attested credential data


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftKey:
    def __init__(self, origin: str = "http://localhost"):
        self.origin = origin
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.count = 0

    def create(self, options_json: str, *, origin: str | None = None, challenge: str | None = None) -> str:
        """The answer to `navigator.credentials.create()` with these options, as JSON."""
        options = json.loads(options_json)
        numbers = self.private_key.public_key().public_numbers()
        cose = {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        auth_data = (self._rp_hash(options["rp"]["id"]) + bytes([UP | AT]) + self.count.to_bytes(4, "big")
                     + bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + cbor2.dumps(cose))
        client_data = self._client_data("webauthn.create", challenge or options["challenge"], origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps({"id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
                           "clientExtensionResults": {},
                           "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation)}})

    def get(self, options_json: str, *, origin: str | None = None, challenge: str | None = None,
            count: int | None = None) -> str:
        """The answer to `navigator.credentials.get()`: the counter goes up by one unless `count` is given."""
        options = json.loads(options_json)
        self.count = self.count + 1 if count is None else count
        auth_data = self._rp_hash(options["rpId"]) + bytes([UP]) + self.count.to_bytes(4, "big")
        client_data = self._client_data("webauthn.get", challenge or options["challenge"], origin)
        signature = self.private_key.sign(auth_data + hashlib.sha256(client_data).digest(),
                                          ec.ECDSA(hashes.SHA256()))
        return json.dumps({"id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
                           "clientExtensionResults": {},
                           "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                                        "signature": b64url(signature)}})

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin,
                           "crossOrigin": False}).encode()

    @staticmethod
    def _rp_hash(rp_id: str) -> bytes:
        return hashlib.sha256(rp_id.encode()).digest()
