// Upload form, progressively enhanced: without this script the form posts the file to the
// instance. With it, the browser hashes the file (SHA-256, FIPS 180-4, computed here in
// slices so memory stays small), asks the instance for presigned URLs, PUTs the bytes
// straight to storage (in parts for large files) showing progress, then asks the instance
// to verify the stored bytes and shows the answer. No third-party code.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || form.dataset.direct === "no" || !window.XMLHttpRequest || !window.Blob ||
      !Blob.prototype.arrayBuffer || !window.URLSearchParams) {
    return;
  }
  var SLICE = 4 * 1024 * 1024;
  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);

  function Sha256() {
    this.h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                              0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    this.w = new Uint32Array(64);
    this.pending = new Uint8Array(64);
    this.used = 0;
    this.total = 0;
  }
  Sha256.prototype.block = function (m, o) {
    var w = this.w, h = this.h, i;
    for (i = 0; i < 16; i++) {
      w[i] = (m[o + 4 * i] << 24) | (m[o + 4 * i + 1] << 16) | (m[o + 4 * i + 2] << 8) | m[o + 4 * i + 3];
    }
    for (i = 16; i < 64; i++) {
      var x = w[i - 15], y = w[i - 2];
      var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (i = 0; i < 64; i++) {
      var t1 = (k + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
                ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      var t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
                ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
  };
  Sha256.prototype.update = function (data) {
    var i = 0, n = data.length;
    this.total += n;
    if (this.used) {
      while (this.used < 64 && i < n) { this.pending[this.used++] = data[i++]; }
      if (this.used < 64) { return; }
      this.block(this.pending, 0);
      this.used = 0;
    }
    for (; i + 64 <= n; i += 64) { this.block(data, i); }
    while (i < n) { this.pending[this.used++] = data[i++]; }
  };
  Sha256.prototype.hex = function () {
    var bits = this.total * 8, tail = new Uint8Array(this.used < 56 ? 64 : 128);
    tail.set(this.pending.subarray(0, this.used));
    tail[this.used] = 0x80;
    var view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(bits / 4294967296));
    view.setUint32(tail.length - 4, bits >>> 0);
    for (var o = 0; o < tail.length; o += 64) { this.block(tail, o); }
    var out = "";
    for (var i = 0; i < 8; i++) { out += ("00000000" + this.h[i].toString(16)).slice(-8); }
    return out;
  };

  var progress = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var button = form.querySelector("button[type=submit]");

  function say(key, extra) {
    status.textContent = (status.dataset[key] || "") + (extra ? " " + extra : "");
    status.dataset.phase = key;
  }

  async function digest(file) {
    var sha = new Sha256();
    for (var start = 0; start < file.size; start += SLICE) {
      sha.update(new Uint8Array(await file.slice(start, start + SLICE).arrayBuffer()));
    }
    return sha.hex();
  }

  async function post(url, fields) {
    var answer = await fetch(url, {
      method: "POST", body: fields, credentials: "same-origin", headers: {"Accept": "application/json"}
    });
    var body = await answer.json();
    if (!answer.ok) {
      throw new Error(body.error);  // the fields' messages too, said for a person
    }
    return body;
  }

  function put(url, blob, headers, offset) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      Object.keys(headers).forEach(function (name) {
        if (name.toLowerCase() !== "content-length") { xhr.setRequestHeader(name, headers[name]); }
      });
      xhr.upload.onprogress = function (event) { progress.value = offset + event.loaded; };
      xhr.onload = function () {
        var etag = xhr.getResponseHeader("ETag");
        if (xhr.status < 200 || xhr.status >= 300) { reject(new Error("HTTP " + xhr.status)); return; }
        if (!etag) { reject(new Error("ETag (CORS)")); return; }
        progress.value = offset + blob.size;
        resolve(etag);
      };
      xhr.onerror = function () { reject(new Error("network (CORS?)")); };
      xhr.send(blob);
    });
  }

  async function upload(file) {
    form.querySelector(".upload-progress").hidden = false;
    progress.max = file.size;
    progress.value = 0;
    say("hashing");
    var fields = new URLSearchParams();
    ["csrf", "shipment", "work", "owner", "licence", "required_tag", "embargo_until"].forEach(function (n) {
      if (form.elements[n]) { fields.append(n, form.elements[n].value); }
    });
    fields.append("filename", file.name);
    fields.append("size", String(file.size));
    fields.append("media_type", file.type || "application/octet-stream");
    fields.append("sha256", await digest(file));
    var started = await post("/uploads/start", fields);
    say("sending");
    var parts = [];
    try {
      if (started.parts.length) {
        for (var i = 0; i < started.parts.length; i++) {
          var part = started.parts[i], from = (part.number - 1) * started.partSize;
          var etag = await put(part.url, file.slice(from, from + started.partSize), {}, from);
          parts.push({number: part.number, etag: etag});
        }
      } else {
        await put(started.ticket.url, file, started.ticket.headers, 0);
      }
    } catch (error) {
      // give the pending upload up, so that nothing half-sent stays behind
      var giveUp = new URLSearchParams({csrf: form.elements.csrf.value});
      await fetch("/uploads/" + started.object + "/abort",
                  {method: "POST", body: giveUp, credentials: "same-origin"}).catch(function () {});
      throw error;
    }
    say("verifying");
    var done = await post(started.complete, new URLSearchParams({
      csrf: form.elements.csrf.value, parts: JSON.stringify(parts)
    }));
    status.textContent = done.message + " ";
    status.dataset.phase = "done";
    status.dataset.state = done.state;
    var link = document.createElement("a");
    link.href = done.location;
    link.textContent = file.name;
    status.appendChild(link);
  }

  form.addEventListener("submit", function (event) {
    var file = form.elements.file.files[0];
    if (!file) { return; }
    event.preventDefault();
    button.disabled = true;
    upload(file).catch(function (error) {
      say("failed", error.message);
      status.dataset.state = "failed";
    }).finally(function () { button.disabled = false; });
  });
}());
