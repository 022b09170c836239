/* Service worker of the grid worker's visit pages (made by collection.views.visits_app, version {{ version }}).
   Keeps the new-visit page (as last opened by the signed-in worker, so with their buildings) and its static
   files, and serves them without network; sends the visits saved on the phone on Background Sync. */
"use strict";
importScripts("{{ outbox|escapejs }}");

var PREFIX = "minsheng-visits-";
var CACHE = PREFIX + "{{ version|escapejs }}";
var SHELL = "{{ shell|escapejs }}";
var SCOPE = "{{ scope|escapejs }}";
var LOGIN = "{% url 'login' as login %}{{ login|escapejs }}";
var ASSETS = [{% for a in assets %}"{{ a|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
var ASSET_URLS = ASSETS.map(function (a) { return new URL(a, self.location.href).href; });

function keepShell(cache, response) {
  // Only the page itself: never a login page or an error answered instead of it.
  if (response.ok && !response.redirected && response.type === "basic") { return cache.put(SHELL, response); }
  return Promise.resolve();
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    var shell = fetch(SHELL, { credentials: "same-origin" })
      .then(function (r) { return keepShell(cache, r); }, function () { return undefined; });
    return Promise.all([cache.addAll(ASSETS), shell]);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf(PREFIX) === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }  // visits are sent by the page's script, never replayed here
  var url = new URL(request.url);
  if (ASSET_URLS.indexOf(url.href) !== -1) {
    event.respondWith(caches.match(request).then(function (r) { return r || fetch(request); }));
    return;
  }
  if (request.mode !== "navigate" || url.origin !== self.location.origin || url.pathname.indexOf(SCOPE) !== 0) {
    return;
  }
  var offline = self.navigator.onLine === false;  // known to be offline: no request that must fail first
  if (url.pathname === SHELL) {
    // Network first, so the buildings and the token stay fresh; the kept copy when there is no network.
    event.respondWith((offline ? Promise.reject(new Error("offline")) : fetch(request)).then(function (r) {
      var copy = r.clone();
      event.waitUntil(caches.open(CACHE).then(function (cache) { return keepShell(cache, copy); }));
      return r;
    }, function () {
      return caches.match(SHELL).then(function (r) { return r || Response.error(); });
    }));
    return;
  }
  // The other visit pages need the network; without it, the new-visit page opens instead.
  event.respondWith((offline ? Promise.reject(new Error("offline")) : fetch(request)).catch(function () {
    return caches.match(SHELL).then(function (r) { return r ? Response.redirect(SHELL, 303) : Response.error(); });
  }));
});

function tell(summary) {
  return self.clients.matchAll({ type: "window" }).then(function (clients) {
    clients.forEach(function (c) { c.postMessage({ type: "visit-outbox", summary: summary }); });
  });
}

function sendSaved() {
  return self.VisitOutbox.session(SHELL).then(function (s) {
    if (s.offline) { throw new Error("offline"); }  // the browser tries the sync again later
    if (s.login) { return tell({ sent: 0, login: true }); }
    return self.VisitOutbox.sendAll({ shell: SHELL, login: LOGIN, user: s.user, token: function () { return s.token; } })
      .then(function (summary) {
        return tell(summary).then(function () { if (summary.offline) { throw new Error("offline"); } });
      });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === "visit-outbox") { event.waitUntil(sendSaved()); }
});
