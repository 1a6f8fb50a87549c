// Security keys and passkeys (WebAuthn): an enhancement of forms the server renders hidden. The form carries the
// ceremony's options (data-options, made by the server, which keeps the challenge); this script asks the browser
// for the key, puts the key's answer in the form's hidden "credential" field and sends the form as usual.
// Without JavaScript (or without WebAuthn) the forms stay hidden and the authenticator app is the way.
(function () {
  "use strict";

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var binary = window.atob(base64 + "====".slice(0, (4 - base64.length % 4) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) { binary += String.fromCharCode(bytes[i]); }
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function register(options) {
    var publicKey = Object.assign({}, options, {
      challenge: toBytes(options.challenge),
      user: Object.assign({}, options.user, { id: toBytes(options.user.id) }),
      excludeCredentials: descriptors(options.excludeCredentials)
    });
    return navigator.credentials.create({ publicKey: publicKey }).then(function (credential) {
      var response = credential.response;
      return {
        id: credential.id, rawId: toBase64url(credential.rawId), type: credential.type,
        authenticatorAttachment: credential.authenticatorAttachment || undefined,
        clientExtensionResults: credential.getClientExtensionResults(),
        response: {
          clientDataJSON: toBase64url(response.clientDataJSON),
          attestationObject: toBase64url(response.attestationObject),
          transports: response.getTransports ? response.getTransports() : []
        }
      };
    });
  }

  function signIn(options) {
    var publicKey = Object.assign({}, options, {
      challenge: toBytes(options.challenge),
      allowCredentials: descriptors(options.allowCredentials)
    });
    return navigator.credentials.get({ publicKey: publicKey }).then(function (credential) {
      var response = credential.response;
      return {
        id: credential.id, rawId: toBase64url(credential.rawId), type: credential.type,
        authenticatorAttachment: credential.authenticatorAttachment || undefined,
        clientExtensionResults: credential.getClientExtensionResults(),
        response: {
          clientDataJSON: toBase64url(response.clientDataJSON),
          authenticatorData: toBase64url(response.authenticatorData),
          signature: toBase64url(response.signature),
          userHandle: response.userHandle ? toBase64url(response.userHandle) : undefined
        }
      };
    });
  }

  var supported = Boolean(window.PublicKeyCredential && navigator.credentials);
  Array.prototype.forEach.call(document.querySelectorAll("[data-webauthn-no-script]"), function (note) {
    note.hidden = true;
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-webauthn-unsupported]"), function (note) {
    note.hidden = supported;
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-webauthn-section]"), function (section) {
    section.hidden = !supported;  // a part of a page that is only of use with a key
  });
  if (!supported) { return; }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-webauthn]"), function (form) {
    var status = form.querySelector("[data-webauthn-status]");
    var answer = form.querySelector("input[name=credential]");
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var name = form.querySelector("input[name=name]");
      if (name && !name.value.trim()) { form.submit(); return; }  // the server says what is missing
      var options = JSON.parse(form.getAttribute("data-options"));
      var ask = form.getAttribute("data-webauthn") === "register" ? register : signIn;
      status.textContent = "";
      ask(options).then(function (credential) {
        answer.value = JSON.stringify(credential);
        form.submit();  // an ordinary POST: the server checks the answer, the page that follows says how it went
      }).catch(function () {
        status.textContent = form.getAttribute("data-failed");
      });
    });
  });
}());
