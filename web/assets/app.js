// evals dashboard: live updates and the review form. No framework; served from 'self'.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="evals-stamp"]');
  if (meta && window.fetch) {
    var stamp = meta.getAttribute("content");
    var banner = document.getElementById("live");
    setInterval(function () {
      fetch("/web/stamp", { cache: "no-store" }).then(function (r) { return r.text(); }).then(function (s) {
        if (s && s !== stamp) {
          if (document.body.dataset.page === "runs") { location.reload(); return; }
          if (banner) { banner.classList.remove("hidden"); }
        }
      }).catch(function () {});
    }, 3000);
  }
  var form = document.getElementById("review-form");
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var token = form.elements.token.value;
      var body = { author: form.elements.author.value || "web" };
      var verdict = form.elements.verdict.value;
      if (verdict !== "keep") { body.verdict = verdict; }
      if (form.elements.note.value !== "") { body.note = form.elements.note.value; }
      var out = document.getElementById("review-result");
      fetch("/api/outcomes/" + encodeURIComponent(form.dataset.outcome), {
        method: "PATCH",
        headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().then(function (j) {
          if (r.ok) { location.reload(); } else { out.textContent = (j.error && j.error.message) || ("HTTP " + r.status); }
        });
      }).catch(function (e) { out.textContent = String(e); });
    });
  }
})();
