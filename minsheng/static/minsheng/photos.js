/* Photo inputs (<input type=file data-photos="3">): shrink each chosen photo in the browser (longest side
   1600 px, JPEG quality 0.8) so that a phone's 5 MB picture uploads as a few hundred KB, show thumbnails
   with a remove button, and put the result back into the input so the form posts as it would without
   this script (the server still checks every file and strips its metadata). A photo the browser cannot
   draw goes as it is. Without DataTransfer (old browsers) the input is left alone. Delegated on the
   document, so inputs brought in by htmx work too. Previews are data: URLs (the CSP allows no blob:).
   window.MinshengPhotos.shrink(file) is the same shrinking for other scripts (the offline visit form). */
(function () {
  "use strict";
  var LONGEST = 1600;
  var QUALITY = 0.8;
  var THUMB = 160;

  function state(input) {
    if (!input.photoState) {
      var list = document.createElement("ul");
      list.className = "photo-previews";
      var status = document.createElement("p");
      status.className = "muted small photo-status";
      status.setAttribute("aria-live", "polite");
      var after = input.closest("label") || input;
      after.insertAdjacentElement("afterend", status);
      after.insertAdjacentElement("afterend", list);
      input.photoState = { kept: [], pending: 0, list: list, status: status };
    }
    return input.photoState;
  }

  function decode(file) {
    if (window.createImageBitmap) {
      return window.createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
        return decodeWithImage(file);
      });
    }
    return decodeWithImage(file);
  }

  function decodeWithImage(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onerror = reject;
      reader.onload = function () {
        var img = new Image();
        img.onload = function () { resolve(img); };
        img.onerror = reject;
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  function draw(source, longest) {
    var w = source.naturalWidth || source.width;
    var h = source.naturalHeight || source.height;
    var scale = Math.min(1, longest / Math.max(w, h));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(w * scale));
    canvas.height = Math.max(1, Math.round(h * scale));
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff"; // a transparent PNG becomes JPEG on white, not black
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  function shrink(file) {
    return decode(file).then(function (source) {
      var thumb = draw(source, THUMB).toDataURL("image/jpeg", 0.7);
      var canvas = draw(source, LONGEST);
      if (source.close) { source.close(); }
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve({ file: file, thumb: thumb }); return; }
          var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
          resolve({ file: new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }), thumb: thumb });
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return { file: file, thumb: null }; });
  }

  window.MinshengPhotos = { shrink: shrink };

  try { new DataTransfer(); } catch (e) { return; }

  function sync(input) {
    var s = state(input);
    var dt = new DataTransfer();
    s.kept.forEach(function (k) { dt.items.add(k.file); });
    input.files = dt.files;
    s.list.textContent = "";
    s.kept.forEach(function (k, i) {
      var li = document.createElement("li");
      if (k.thumb) {
        var img = document.createElement("img");
        img.src = k.thumb;
        img.alt = k.file.name;
        li.appendChild(img);
      } else {
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = k.file.name;
        li.appendChild(name);
      }
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove secondary";
      remove.textContent = input.getAttribute("data-remove") || "×";
      remove.setAttribute("aria-label", (input.getAttribute("data-remove") || "×") + " " + k.file.name);
      remove.addEventListener("click", function () {
        s.kept.splice(i, 1);
        s.status.textContent = "";
        sync(input);
      });
      li.appendChild(remove);
      s.list.appendChild(li);
    });
  }

  function setBusy(input, on) {
    var form = input.form;
    if (!form) { return; }
    var buttons = form.querySelectorAll("button[type=submit], button:not([type])");
    for (var i = 0; i < buttons.length; i += 1) { buttons[i].disabled = on; }
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.hasAttribute("data-photos")) { return; }
    var s = state(input);
    var max = parseInt(input.getAttribute("data-photos"), 10) || 3;
    var picked = Array.prototype.slice.call(input.files);
    var room = max - s.kept.length - s.pending;
    var note = picked.length > room ? (input.getAttribute("data-too-many") || "") : "";
    picked = picked.slice(0, Math.max(0, room));
    s.status.textContent = note;
    sync(input); // the input holds what is kept while the new ones are being shrunk
    if (!picked.length) { return; }
    s.pending += picked.length;
    setBusy(input, true);
    s.status.textContent = input.getAttribute("data-busy") || "";
    Promise.all(picked.map(shrink)).then(function (done) {
      s.pending -= picked.length;
      s.kept = s.kept.concat(done);
      sync(input);
      if (!s.pending) { setBusy(input, false); s.status.textContent = note; }
    });
  });
}());
