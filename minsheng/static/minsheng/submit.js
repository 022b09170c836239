/* Resident submit form: optional "use my location" (fills the hidden lat/lon); site.js keeps the button from a second press.
   Loaded as a static file: the CSP allows no inline script. */
(function () {
  "use strict";
  var box = document.getElementById("locate");
  if (!box || !("geolocation" in navigator)) { return; }
  var btn = document.getElementById("locate-btn");
  var status = document.getElementById("locate-status");
  var lat = document.getElementById("f-lat");
  var lon = document.getElementById("f-lon");
  btn.hidden = false;
  btn.addEventListener("click", function () {
    status.textContent = box.dataset.wait;
    btn.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lon.value = pos.coords.longitude.toFixed(6);
      status.textContent = box.dataset.ok + "（±" + Math.round(pos.coords.accuracy) + " m）";
      btn.disabled = false;
    }, function () {
      lat.value = "";
      lon.value = "";
      status.textContent = box.dataset.fail;
      btn.disabled = false;
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
}());
