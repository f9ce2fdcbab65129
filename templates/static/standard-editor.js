// Live validation: the same checker as saving, asked as the clerk types; nothing is stored.
(function () {
  // Choosing another rule kind rebuilds the form with that kind's params (a GET, no script needed
  // beyond the submit: the button beside the list does the same).
  var choice = document.getElementById('kind-choice');
  if (choice) choice.addEventListener('change', function () { choice.form.submit(); });
  var form = document.getElementById('item-editor');
  if (!form) return;
  var timer = null;
  var status = document.getElementById('live-status');
  function check() {
    fetch(form.dataset.check, {method: 'POST', body: new FormData(form)})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        form.querySelectorAll('p.live').forEach(function (p) { p.textContent = ''; });
        // Each problem under its field, and all of them in the status line beside the button.
        var lines = [];
        Object.keys(data.fields).forEach(function (name) {
          var slot = form.querySelector('p.live[data-live="' + name + '"]');
          if (slot) { slot.textContent = data.fields[name]; }
          lines.push(data.fields[name]);
        });
        lines = lines.concat(data.general);
        status.textContent = data.ok ? status.dataset.ok : lines.join('；');
      });
  }
  form.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(check, 400); });
})();
