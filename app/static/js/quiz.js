// Quiz page enhancements; the page works without them (no-JS save and submit buttons).
// - autosave: answers are posted to the server shortly after they change;
// - countdown: the time left, ticking; at zero the form is submitted.
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) { return; }
  var statusBox = document.getElementById("autosave-status");
  var url = form.getAttribute("data-autosave-url");
  var timer = null;
  var inFlight = false;
  var pending = false;

  function say(text) { if (statusBox) { statusBox.textContent = text; } }

  function save() {
    if (inFlight) { pending = true; return; }
    inFlight = true;
    say("Menyimpan…");
    var data = new FormData(form);
    data.delete("aksi");
    fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": data.get("csrf_token") || "", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (result) {
      say(result.body.message || "");
      if (result.body.ok) { refreshNavigator(); }
      if (result.body.redirect) { window.location.href = result.body.redirect; }
    }).catch(function () {
      say("Belum tersimpan: koneksi terputus. Jawaban akan dikirim lagi saat Anda menjawab, atau tekan \u201cSimpan jawaban\u201d.");
    }).then(function () {
      inFlight = false;
      if (pending) { pending = false; save(); }
    });
  }

  // The navigator shows the saved state; after an autosave, the page's state is saved.
  var nav = document.querySelector(".quiz-nav");

  function isAnswered(question) {
    return Array.prototype.some.call(question.querySelectorAll("input, select, textarea"),
      function (field) {
        if (field.type === "radio" || field.type === "checkbox") { return field.checked; }
        return field.value.trim() !== "";
      });
  }

  function refreshNavigator() {
    if (!nav) { return; }
    Array.prototype.forEach.call(nav.querySelectorAll("li"), function (item) {
      var link = item.querySelector("a");
      var question = document.getElementById(link.getAttribute("href").slice(1));
      if (!question) { return; }
      var flagBox = question.nextElementSibling;
      var flag = flagBox ? flagBox.querySelector("input[name=tandai]") : null;
      var answered = isAnswered(question);
      var flagged = Boolean(flag && flag.checked);
      item.className = (answered ? "answered" : "unanswered") + (flagged ? " flagged" : "");
      var state = link.querySelector(".visually-hidden");
      if (state) {
        state.textContent = " · " + nav.getAttribute(answered ? "data-answered" : "data-unanswered") +
          (flagged ? " · " + nav.getAttribute("data-flagged") : "");
      }
    });
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, delay);
  }

  form.addEventListener("change", function () { schedule(300); });
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA" || event.target.type === "text") { schedule(1500); }
  });

  var clock = document.getElementById("timer");
  if (clock) {
    var endsAt = new Date(clock.getAttribute("data-ends-at")).getTime();
    var submitted = false;
    var tick = function () {
      var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      clock.textContent = "Sisa waktu: " + minutes + " menit " + (seconds < 10 ? "0" : "") + seconds + " detik";
      if (left <= 60) { clock.classList.add("timer-low"); }
      if (left === 0 && !submitted) {
        submitted = true;
        // Tell the server this was the clock, not the learner: the result page says so.
        [["waktu_habis", "1"], ["aksi", "kirim"]].forEach(function (pair) {
          var marker = document.createElement("input");
          marker.type = "hidden"; marker.name = pair[0]; marker.value = pair[1];
          form.appendChild(marker);
        });
        form.submit();  // no summary step: the time is up
      }
    };
    tick();
    window.setInterval(tick, 1000);
  }
}());
