/* Visits saved on the phone (IndexedDB "minsheng-visits", store "outbox") and their sending; shared by
   the visit pages and their service worker (importScripts), so it uses no window-only API.

   An entry: {key (UUID, the idempotency key), user, saved_at, visited_at, label, fields {name: value},
   photos [{name, blob}], error}. Sending POSTs it to the new-visit page as multipart with its key; the
   server records a visit at most once per key, so a resend after a lost answer is harmless. */
(function (global) {
  "use strict";
  var DB = "minsheng-visits";
  var STORE = "outbox";
  var LOCK = "minsheng-visit-outbox";

  function open() {
    return new Promise(function (resolve, reject) {
      var req = global.indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var req = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(req ? req.result : undefined); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function put(entry) { return run("readwrite", function (s) { return s.put(entry); }); }
  function remove(key) { return run("readwrite", function (s) { return s.delete(key); }); }

  /* The user's entries, oldest first (another user's entries on a shared phone are never sent). */
  function list(user) {
    return run("readonly", function (s) { return s.getAll(); }).then(function (all) {
      return all.filter(function (e) { return String(e.user) === String(user); })
        .sort(function (a, b) { return a.saved_at - b.saved_at; });
    });
  }

  function uuid() {
    if (global.crypto && global.crypto.randomUUID) { return global.crypto.randomUUID(); }
    var b = global.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* The signed-in user and a CSRF token, read from the new-visit page now (not when the visit was saved):
     {user, token}, {login: true} when the session has expired, {offline: true} without network. */
  function session(shell) {
    return fetch(shell, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (r) {
      if (r.redirected || !r.ok) { return { login: true }; }
      return r.text().then(function (html) {
        var token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html);
        var user = /data-user="([^"]+)"/.exec(html);
        return token && user ? { token: token[1], user: user[1] } : { login: true };
      });
    }, function () { return { offline: true }; });
  }

  /* POST one entry. → {state: "sent", data} | "refused" (the server said no: kept, with its error) |
     "login" | "offline" | "retry" (a server fault: try again later). */
  function send(entry, ctx) {
    var form = new FormData();
    Object.keys(entry.fields).forEach(function (name) { form.append(name, entry.fields[name]); });
    form.append("visited_at", entry.visited_at);
    form.append("client_key", entry.key);
    entry.photos.forEach(function (p) { form.append("photos", p.blob, p.name); });
    return fetch(ctx.shell, {
      method: "POST", body: form, credentials: "same-origin",
      headers: { "X-CSRFToken": ctx.token, Accept: "application/json" },
    }).then(function (r) {
      var json = (r.headers.get("Content-Type") || "").indexOf("application/json") !== -1;
      if (r.ok && json) {
        return r.json().then(function (data) {
          return remove(entry.key).then(function () { return { state: "sent", data: data }; });
        });
      }
      if (json && r.status >= 400 && r.status < 500 && r.status !== 429) {
        return r.json().then(function (data) {
          entry.error = data.error || String(r.status);
          return put(entry).then(function () { return { state: "refused", error: entry.error, field: data.field }; });
        });
      }
      if ((r.redirected && r.url.indexOf(ctx.login) !== -1) || r.status === 403) { return { state: "login" }; }
      return { state: "retry" };
    }, function () { return { state: "offline" }; });
  }

  /* Send the user's waiting entries one by one (those the server refused wait for the worker).
     One sender at a time per browser (Web Locks, shared by the pages and the service worker); the key
     keeps a second sender harmless where locks are missing. `ctx.token()` gives the CSRF token. */
  function sendAll(ctx) {
    function work() {
      var summary = { sent: 0, login: false, offline: false, url: "" };
      return list(ctx.user).then(function (entries) {
        var waiting = entries.filter(function (e) { return !e.error; });
        if (!waiting.length) { return summary; }
        return Promise.resolve(ctx.token()).then(function (token) {
          if (!token) { summary.login = true; return summary; }
          var c = { shell: ctx.shell, login: ctx.login, token: token };
          return waiting.reduce(function (chain, entry) {
            return chain.then(function (stop) {
              if (stop) { return true; }
              return send(entry, c).then(function (res) {
                if (res.state === "sent") { summary.sent += 1; summary.url = res.data.url; }
                if (res.state === "login") { summary.login = true; }
                if (res.state === "offline") { summary.offline = true; }
                return res.state === "login" || res.state === "offline";
              });
            });
          }, Promise.resolve(false)).then(function () { return summary; });
        });
      });
    }
    if (global.navigator && global.navigator.locks) { return global.navigator.locks.request(LOCK, work); }
    return work();
  }

  global.VisitOutbox = { put: put, remove: remove, list: list, uuid: uuid, session: session, send: send,
    sendAll: sendAll };
}(self));
