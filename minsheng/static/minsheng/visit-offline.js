/* The visit pages as an app out of signal: registers their service worker; the new-visit form is saved on
   the phone first (photos shrunk like a phone app does: JPEG, longest side 1600 px) and sent at once when
   there is network, else later (page load, the "online" event, Background Sync, the 立即发送 button).
   "待发送 N" counts what waits. Without this script (or IndexedDB) the form posts as a plain form. */
(function () {
  "use strict";
  var app = document.querySelector("[data-visit-app]");
  if (!app || !window.indexedDB || !window.fetch || !window.VisitOutbox) { return; }
  var Outbox = window.VisitOutbox;
  var d = app.dataset;
  var ctx = { shell: d.shell, login: d.login, user: d.user, token: token };
  var bar = app.querySelector("[data-outbox-bar]");
  var count = app.querySelector("[data-outbox-count]");
  var status = app.querySelector("[data-outbox-status]");
  var listEl = app.querySelector("[data-outbox-list]");
  var needsLogin = false;

  /* The CSRF token as it is now: the cookie, or (no cookie) a fresh copy of the page. */
  function token() {
    var m = /(?:^|;\s*)csrftoken=([^;]+)/.exec(document.cookie);
    if (m) { return decodeURIComponent(m[1]); }
    return Outbox.session(d.shell).then(function (s) { return s.token || ""; });
  }

  function say(text) { status.textContent = text || ""; }

  function when(ms) {
    var t = new Date(ms);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(t.getMonth() + 1) + "-" + two(t.getDate()) + " " + two(t.getHours()) + ":" + two(t.getMinutes());
  }

  function row(entry) {
    var li = document.createElement("li");
    li.textContent = entry.label + " · " + d.tSaved + " " + when(entry.saved_at) +
      (entry.photos.length ? " · " + d.tPhotos.replace("0", String(entry.photos.length)) : "");
    if (entry.error) {
      var err = document.createElement("span");
      err.className = "outbox-error";
      err.textContent = " " + d.tRefused + entry.error;
      var drop = document.createElement("button");
      drop.type = "button";
      drop.className = "link";
      drop.textContent = d.tDelete;
      drop.setAttribute("data-outbox-drop", entry.key);
      li.appendChild(err);
      li.appendChild(drop);
    }
    return li;
  }

  function refresh() {
    return Outbox.list(d.user).then(function (entries) {
      var n = entries.length;
      bar.hidden = n === 0;
      count.textContent = d.tPending + " " + n + (needsLogin && n ? " · " + d.tLogin : "");
      listEl.textContent = "";
      entries.forEach(function (e) { listEl.appendChild(row(e)); });
      var nav = document.querySelector(".desknav a[href='" + d.home + "']");
      if (nav) {
        var badge = nav.querySelector(".count") || nav.appendChild(document.createElement("span"));
        badge.className = "count";
        badge.title = d.tPending;
        badge.textContent = String(n);
        badge.hidden = n === 0;
      }
    });
  }

  /* What the last sending came to, in words ("" when there was nothing to say). */
  var outcome = "";
  function report(summary) {
    needsLogin = summary.login;
    outcome = summary.login ? d.tLogin : summary.sent ? d.tSent : summary.offline ? d.tStored : "";
    if (outcome) { say(outcome); }
    return refresh();
  }

  var sending = null;
  function sendNow() {
    if (sending) { return sending; }
    sending = Outbox.sendAll(ctx).then(report, function () { outcome = d.tStored; return refresh(); })
      .then(function () { sending = null; }, function () { sending = null; });
    return sending;
  }

  function askSync() {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) { return reg.sync.register("visit-outbox"); }
      return undefined;
    }).catch(function () { /* no Background Sync: the page sends on load and when online */ });
  }

  /* A photo as a phone app sends it: JPEG, longest side at most 1600 px (the original if it can't be read). */
  /* The same shrinking as every photo field (photos.js); without it the photo goes as it is. */
  function shrink(file) {
    if (!window.MinshengPhotos) { return Promise.resolve(file); }
    return window.MinshengPhotos.shrink(file).then(function (done) { return done.file; });
  }

  function entryFrom(form) {
    var data = new FormData(form);
    var fields = {};
    ["building", "household", "notes", "demands", "reporter_name", "reporter_phone", "urgent"].forEach(function (k) {
      if (data.has(k)) { fields[k] = data.get(k); }
    });
    var select = form.querySelector("select[name=building]");
    var files = Array.prototype.slice.call(form.querySelector("input[name=photos]").files || []);
    return Promise.all(files.map(shrink)).then(function (shrunk) {
      return {
        key: Outbox.uuid(), user: d.user, saved_at: Date.now(),
        // The time of the visit is when it was saved, not when it reaches the server.
        visited_at: data.get("visited_at") || new Date().toISOString(),
        label: select.options[select.selectedIndex].text + (fields.household ? " " + fields.household : ""),
        fields: fields,
        photos: shrunk.map(function (f) { return { name: f.name, blob: f }; }),
        error: "",
      };
    });
  }

  function showError(form, res) {
    var alert = form.parentNode.querySelector("[data-testid=error]");
    if (!alert) {
      alert = document.createElement("div");
      alert.className = "alert";
      alert.setAttribute("role", "alert");
      alert.setAttribute("data-testid", "error");
      form.parentNode.insertBefore(alert, form);
    }
    alert.textContent = res.error;
    var field = res.field && form.querySelector("[name='" + res.field + "']");
    if (field) { field.setAttribute("aria-invalid", "true"); field.focus(); }
  }

  function submitted(event) {
    var form = event.target;
    event.preventDefault();  // before site.js's handler, which then leaves the button alone
    var button = form.querySelector("button[type=submit]");
    var label = button.textContent;
    button.disabled = true;
    button.textContent = document.body.getAttribute("data-busy") || "…";
    function done() { button.disabled = false; button.textContent = label; }
    entryFrom(form).then(function (entry) {
      return Outbox.put(entry).then(function () {
        if (navigator.onLine === false) { return { state: "offline" }; }
        return Promise.resolve(token()).then(function (t) {
          return t ? Outbox.send(entry, { shell: d.shell, login: d.login, token: t }) : { state: "login" };
        });
      }).then(function (res) {
        if (res.state === "sent") { window.location.assign(res.data.url); return undefined; }
        if (res.state === "refused") {
          // The worker is here to correct it: the form stays filled, nothing waits.
          return Outbox.remove(entry.key).then(function () { showError(form, res); done(); return refresh(); });
        }
        needsLogin = res.state === "login";
        form.reset();
        done();
        say(d.tStored + (needsLogin ? " · " + d.tLogin : ""));
        askSync();
        window.scrollTo(0, 0);
        return refresh();
      });
    }).catch(function () { done(); form.submit(); });  // no storage (private mode, full): post as before
  }

  var form = document.querySelector("form[data-visit-form]");
  if (form) { form.addEventListener("submit", submitted); }
  app.addEventListener("click", function (event) {
    var t = event.target;
    if (t.hasAttribute("data-outbox-send")) {
      /* A tap may join a sending already under way and reported: say its outcome, not "sending", at the end. */
      say(d.tSending);
      sendNow().then(function () { say(outcome); });
    }
    var key = t.getAttribute("data-outbox-drop");
    if (key && window.confirm(d.tDropConfirm)) { Outbox.remove(key).then(refresh); }
  });
  window.addEventListener("online", sendNow);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(d.sw, { scope: d.scope }).catch(function () { /* plain pages */ });
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "visit-outbox") { report(event.data.summary); }
    });
  }
  refresh().then(function () { if (navigator.onLine !== false) { sendNow(); } });
}());
