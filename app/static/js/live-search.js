// Search as you type: on input or a filter change, fetch the results fragment and swap it in.
// Without JavaScript the form still works by submitting it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-search]");
  if (!form || !window.fetch) { return; }
  var target = document.querySelector(form.getAttribute("data-live-search"));
  var timer = null;
  var controller = null;

  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    params.delete("page");
    var url = form.action + "?" + params.toString();
    if (controller) { controller.abort(); }
    controller = new AbortController();
    params.set("partial", "1");
    fetch(form.action + "?" + params.toString(), {
      headers: { "X-Requested-With": "fetch" }, signal: controller.signal, credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.text();
    }).then(function (html) {
      // Keep keyboard focus on the same control after the swap.
      var active = document.activeElement;
      var key = active && target.contains(active) ? [active.name, active.value] : null;
      target.innerHTML = html;
      if (key) {
        var again = target.querySelector('[name="' + key[0] + '"][value="' + key[1] + '"]');
        if (again) { again.focus(); }
      }
      window.history.replaceState(null, "", url);
    }).catch(function () { /* keep the current results; submitting the form still works */ });
  }

  form.addEventListener("input", function (event) {
    if (event.target.type === "search") {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 200);
    }
  });
  form.addEventListener("change", function (event) {
    if (event.target.type !== "search") { refresh(); }
  });
}());
