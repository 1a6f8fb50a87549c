/* Kiosk mode (saas/surveys/answering/kiosk.py); every kiosk page works without this file, then a meta
   refresh in <noscript> sends an idle page back to the start.
   With it: any activity (typing, tapping, scrolling) counts, and tells the server at most every 30 seconds
   that the person is still busy (the server refuses an idle session of its own); a minute before the limit a
   warning with "I need more time" appears (WCAG 2.2.1: warned, one press to extend, as often as needed);
   at the limit the page goes back to the start, so the next person sees nothing of this one. */
(function () {
  "use strict";
  var root = document.querySelector("[data-kiosk-idle]");
  if (!root) { return; }
  var idle = (parseInt(root.getAttribute("data-kiosk-idle"), 10) || 180) * 1000;
  var start = root.getAttribute("data-kiosk-start");
  var alive = root.getAttribute("data-kiosk-alive");
  var warning = document.getElementById("kiosk-warning");
  var warnBefore = Math.min(60000, idle / 2);
  var last = Date.now(), told = Date.now(), warned = false;

  function leave() { window.location.replace(start); }

  function tell() {
    told = Date.now();
    if (!alive || !window.fetch) { return; }
    window.fetch(alive, {credentials: "same-origin", cache: "no-store", redirect: "manual"}).then(function (response) {
      if (response.status !== 204) { leave(); }
    }, function () { /* offline for a moment: the next activity tries again */ });
  }

  function active() {
    last = Date.now();
    if (warned) { warned = false; warning.hidden = true; }
    if (Date.now() - told > 30000) { tell(); }
  }

  ["input", "change", "keydown", "pointerdown", "touchstart", "scroll"].forEach(function (name) {
    document.addEventListener(name, active, {capture: true, passive: true});
  });
  if (warning) {
    warning.querySelector("button").addEventListener("click", function () { active(); tell(); });
  }
  window.setInterval(function () {
    var quiet = Date.now() - last;
    if (quiet >= idle) {
      leave();
    } else if (warning && !warned && quiet >= idle - warnBefore) {
      warned = true;
      warning.hidden = false;
      warning.querySelector("button").focus();
    }
  }, 1000);
}());
