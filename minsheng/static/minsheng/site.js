/* Every page: a submit button says "正在提交…" (the page's language, from <body data-busy>) and takes no
   second press while its form is on the way — the first demand of a day can take seconds. Plain forms
   navigate away; htmx forms get the button back when their answer arrives; a page restored with the
   back button gets its buttons back too. Loaded as a static file: the CSP allows no inline script. */
(function () {
  "use strict";
  var RESTORE_AFTER_MS = 20000; // a form that answered with a download never navigates away

  function label(button, text) {
    if (button.tagName === "INPUT") { button.value = text; } else { button.textContent = text; }
  }

  function restore(button) {
    if (!button || !button.hasAttribute("data-label")) { return; }
    label(button, button.getAttribute("data-label"));
    button.removeAttribute("data-label");
    button.removeAttribute("aria-busy");
    button.disabled = false;
  }

  function busy(button) {
    var text = document.body.getAttribute("data-busy") || "…";
    button.setAttribute("data-label", button.tagName === "INPUT" ? button.value : button.textContent);
    button.setAttribute("aria-busy", "true");
    label(button, text);
    // Disabled only after the browser has read the form, so the button's own name and value still go.
    window.setTimeout(function () { button.disabled = true; }, 0);
    window.setTimeout(function () { restore(button); }, RESTORE_AFTER_MS);
  }

  function isHtmx(form) {
    return form.hasAttribute("hx-post") || form.hasAttribute("hx-get") || form.hasAttribute("hx-put") ||
      form.hasAttribute("hx-delete") || form.hasAttribute("hx-patch");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post" && !isHtmx(form)) { return; }
    if (event.defaultPrevented && !isHtmx(form)) { return; } // a script stopped it (e.g. a confirm)
    var button = event.submitter || form.querySelector("button[type=submit], button:not([type]), input[type=submit]");
    if (!button || button.hasAttribute("data-label")) { return; }
    busy(button);
    form.busyButton = button;
  });

  // Signing out forgets the pages kept for the visit app (they list the worker's buildings); visits saved on
  // the phone but not yet sent stay in IndexedDB and are sent only under their own worker's session.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-logout") || !window.caches) { return; }
    event.preventDefault();
    var forget = caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf("minsheng-visits-") === 0; })
        .map(function (k) { return caches.delete(k); }));
    });
    var timeout = new Promise(function (resolve) { window.setTimeout(resolve, 1500); });
    Promise.race([forget, timeout]).then(function () { form.submit(); }, function () { form.submit(); });
  }, true);

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (form && form.busyButton) { restore(form.busyButton); form.busyButton = null; }
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    var buttons = document.querySelectorAll("[data-label]");
    for (var i = 0; i < buttons.length; i += 1) { restore(buttons[i]); }
  });
}());
