// Small companions of htmx (app/static/vendor/htmx). Every page works without JavaScript;
// these only decide where keyboard focus goes after a swap and what happens on errors.
(function () {
  "use strict";

  // A response may name the element to focus once it is in the page (data-focus-after-swap),
  // e.g. the notification just marked read, whose button is gone, or the results heading
  // after moving to another page of results.
  document.addEventListener("htmx:afterSettle", function () {
    var target = document.querySelector("[data-focus-after-swap]");
    if (target) {
      target.removeAttribute("data-focus-after-swap");
      target.focus();
    }
  });

  // When the server answers an htmx request with an error, fall back to what the page does
  // without JavaScript: submit the form or follow the link, and show the server's answer.
  document.addEventListener("htmx:responseError", function (event) {
    var elt = event.detail.elt;
    if (elt instanceof HTMLFormElement) {
      HTMLFormElement.prototype.submit.call(elt);
    } else if (elt instanceof HTMLAnchorElement) {
      window.location.assign(elt.href);
    }
  });
}());
