// A running job's page: ask for its progress every few seconds and update the text in place.
// Without JavaScript the page refreshes itself (<noscript> meta refresh) and shows the same.
(function () {
  "use strict";
  var box = document.getElementById("job-status");
  if (!box || !window.fetch) { return; }
  var seconds = parseInt(box.getAttribute("data-refresh") || "3", 10);
  function field(name) { return box.querySelector('[data-job-field="' + name + '"]'); }
  function poll() {
    fetch(box.getAttribute("data-job-url"), {credentials: "same-origin", cache: "no-store"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        field("state_label").textContent = job.state_label;
        field("progress").textContent = job.progress;
        var bar = box.querySelector("progress");
        if (bar) { bar.max = job.total; bar.value = job.done; }
        var error = field("error");
        error.textContent = job.error || "";
        error.hidden = !job.error;
        if (job.finished) { window.location.reload(); return; }
        window.setTimeout(poll, seconds * 1000);
      })
      .catch(function () { window.setTimeout(poll, seconds * 2000); });
  }
  window.setTimeout(poll, seconds * 1000);
}());
