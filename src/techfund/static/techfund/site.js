/* techfund — small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  // Confirm before an irreversible submit: <button data-confirm="…"> or <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Role grant form: show the organisation picker only for 申报单位, the department picker only for 职能部门.
  function syncRoleScopes(form) {
    var role = form.querySelector("select[name=role]");
    if (!role) { return; }
    form.querySelectorAll("[data-show-for-role]").forEach(function (input) {
      var field = input.closest(".field") || input;
      var show = input.getAttribute("data-show-for-role") === role.value || input.value !== "";
      field.hidden = !show;
    });
  }
  function initRoleScopes(root) {
    root.querySelectorAll("form[data-role-scopes]").forEach(function (form) {
      syncRoleScopes(form);
      form.addEventListener("change", function (e) {
        if (e.target.name === "role") { syncRoleScopes(form); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initRoleScopes(document); });
  document.addEventListener("htmx:load", function (e) { initRoleScopes(e.target); });
})();
