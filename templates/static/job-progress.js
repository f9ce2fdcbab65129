// A job's page polls its state until it finishes (served as a file: the CSP refuses inline script).
(function () {
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "true") { return; }
  function poll() {
    fetch(box.dataset.stateUrl, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        var bar = document.getElementById("job-progress");
        bar.max = s.total || 1; bar.value = s.done;
        document.getElementById("job-count").textContent = s.done + " / " + s.total;
        document.getElementById("job-status").textContent = s.status_label;
        if (s.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
