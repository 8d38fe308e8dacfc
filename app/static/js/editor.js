// Live Markdown preview for the trainers' editor. Without JavaScript the "Pratinjau" button
// renders the same preview on the server; with it, the preview follows typing. The HTML comes
// from the server's sanitizer (the one learners' pages use), never from the browser.
(function () {
  "use strict";
  var DELAY_MS = 700;

  function setUp(editor) {
    var source = editor.querySelector("textarea");
    var output = editor.querySelector(".preview-output");
    var form = editor.closest("form");
    var token = form && form.querySelector("input[name=csrf_token]");
    if (!source || !output || !token) return;
    var timer = null;
    var sent = null;

    function refresh() {
      if (source.value === sent) return;
      sent = source.value;
      var body = new FormData();
      body.append("csrf_token", token.value);
      body.append("source", source.value);
      fetch(editor.dataset.previewUrl, {method: "POST", body: body, credentials: "same-origin",
                                        headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (data.ok) output.innerHTML = data.html;
        })
        .catch(function () { sent = null; });  // offline for a moment: try on the next key
    }

    source.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, DELAY_MS);
    });
    refresh();
  }

  document.querySelectorAll(".editor[data-preview-url]").forEach(setUp);
})();
