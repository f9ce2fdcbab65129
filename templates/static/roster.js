// The meeting form's "全部出席" / "全部不需参加" buttons, done in the page without a round trip.
// Without this script the buttons post the form and the server answers with every row set.
(function () {
  "use strict";
  document.querySelectorAll("button[name=set_all]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var value = button.value === "present" ? "present" : "";
      var form = button.form;
      if (!form) { return; }
      event.preventDefault();
      form.querySelectorAll("table.roster select").forEach(function (select) {
        select.value = value;
      });
    });
  });
})();
