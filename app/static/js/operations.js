/* The progress page follows its operation: every second it asks /operations/<id>/status.json
   and updates the <progress> element, the status and the sentence in the live region; once
   the operation is finished it loads the page again, which then shows the result.
   No inline script: the page names the status URL in a data attribute. */
(function () {
  "use strict";
  var section = document.querySelector("[data-operation-status]");
  if (!section || section.getAttribute("data-operation-finished") === "true" || !window.fetch) {
    return;
  }
  var url = section.getAttribute("data-operation-status");
  var bar = section.querySelector("progress");
  var lastWords = null;

  function field(name) {
    return section.querySelector('[data-operation-field="' + name + '"]');
  }

  function show(status) {
    if (status.total) {
      bar.max = status.total;
      bar.value = status.finished && status.status === "done" ? status.total : status.done;
      bar.textContent = (status.percent || 0) + "%";
    }
    field("status_label").textContent = status.status_label;
    if (status.words !== lastWords) {  // the live region speaks only when the sentence changes
      field("words").textContent = status.words;
      lastWords = status.words;
    }
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 1000);
})();
