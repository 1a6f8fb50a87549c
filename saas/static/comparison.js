// Follows a running comparison job and reloads the page once it is ready. Only an enhancement:
// without JavaScript the page shows the same state and a link to refresh it.
(function () {
  "use strict";
  var box = document.getElementById("run-state");
  if (!box || box.getAttribute("data-active") !== "yes") { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("run-progress");
  var value = document.getElementById("run-progress-value");
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.run) { return; }
        if (bar) { bar.value = data.run.progress; }
        if (value) { value.textContent = String(data.run.progress); }
        if (data.run.finished) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
}());
