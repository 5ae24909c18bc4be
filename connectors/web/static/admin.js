/* Knowledge admin page. Token: the demo sign-in (dev only, via /dev/token and the demo cookie) or a
   pasted intranet JWT kept in sessionStorage. All server data is inserted with textContent. */
(function () {
  "use strict";
  var token = null;
  var replacing = null;
  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var n = document.createElement(tag);
    if (text !== undefined && text !== null) n.textContent = String(text);
    if (cls) n.className = cls;
    return n;
  }
  function msg(target, text, ok) {
    var box = $(target);
    box.textContent = "";
    if (text) box.appendChild(el("div", text, "msg " + (ok ? "ok" : "err")));
  }
  function errText(res, data) {
    return (data && data.error && data.error.message) || ("HTTP " + res.status);
  }
  function call(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (res) { return res.json().catch(function () { return null; }).then(function (d) { return { res: res, data: d }; }); });
  }

  function upload(file, source, replace) {
    /* XMLHttpRequest because fetch cannot report upload progress. */
    return new Promise(function (resolve) {
      var fd = new FormData();
      fd.append("file", file, file.name);
      var xhr = new XMLHttpRequest();
      var url = "/api/admin/knowledge/documents";
      if (source) { url += "/" + source.split("/").map(encodeURIComponent).join("/"); xhr.open("PUT", url); }
      else {
        fd.append("replace", replace ? "true" : "false");
        fd.append("audience", $("audience").value);
        xhr.open("POST", url);
      }
      if (token) xhr.setRequestHeader("Authorization", "Bearer " + token);
      var bar = $("upload-progress");
      bar.classList.remove("hidden"); bar.value = 0; bar.removeAttribute("aria-valuetext");
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
        if (bar.value >= 100) msg("upload-msg", "Uploaded; indexing… / 已上传，正在建立索引…", true);
      };
      xhr.onload = function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { /* not json */ }
        resolve({ res: { status: xhr.status, ok: xhr.status >= 200 && xhr.status < 300 }, data: data });
      };
      xhr.onerror = function () { resolve({ res: { status: 0, ok: false }, data: null }); };
      xhr.send(fd);
    }).then(function (r) {
      $("upload-progress").classList.add("hidden");
      if (r.res.ok) {
        msg("upload-msg", "Indexed " + r.data.source + " (" + r.data.chunks + " chunks, version " + r.data.version + ").", true);
        loadDocs();
      } else {
        msg("upload-msg", "Upload failed: " + errText(r.res, r.data), false);
      }
    });
  }

  function loadDocs() {
    return call("GET", "/api/admin/knowledge/documents").then(function (r) {
      var tbody = $("docs");
      tbody.textContent = "";
      if (!r.res.ok) { msg("docs-msg", errText(r.res, r.data), false); return; }
      msg("docs-msg", r.data.documents.length ? "" : "No documents yet.", true);
      r.data.documents.forEach(function (d) {
        var tr = el("tr");
        tr.appendChild(el("td", d.source));
        tr.appendChild(el("td", d.title || "", "opt"));
        tr.appendChild(el("td", d.version || ""));
        tr.appendChild(el("td", d.chunks, "num"));
        tr.appendChild(el("td", d.indexed_at ? new Date(d.indexed_at).toLocaleString() : "", "opt"));
        var actions = el("td");
        var rep = el("button", "Replace", "secondary");
        rep.type = "button";
        rep.setAttribute("aria-label", "Replace " + d.source);
        rep.addEventListener("click", function () { replacing = d.source; $("replace-file").click(); });
        var del = el("button", "Delete", "danger");
        del.type = "button";
        del.setAttribute("aria-label", "Delete " + d.source);
        del.addEventListener("click", function () {
          if (!window.confirm("Delete " + d.source + "?")) return;
          call("DELETE", "/api/admin/knowledge/documents/" + d.source.split("/").map(encodeURIComponent).join("/"))
            .then(function (x) {
              msg("docs-msg", x.res.ok ? "Deleted " + d.source + "." : errText(x.res, x.data), x.res.ok);
              loadDocs();
            });
        });
        actions.appendChild(rep); actions.appendChild(document.createTextNode(" ")); actions.appendChild(del);
        tr.appendChild(actions);
        tbody.appendChild(tr);
      });
    });
  }

  function ask(e) {
    e.preventDefault();
    var out = $("ask-result");
    out.textContent = "";
    $("ask-btn").disabled = true;
    var body = { question: $("question").value };
    if ($("ask-lang").value) body.lang = $("ask-lang").value;
    call("POST", "/api/admin/knowledge/ask", body).then(function (r) {
      $("ask-btn").disabled = false;
      if (!r.res.ok) { out.appendChild(el("div", errText(r.res, r.data), "msg err")); return; }
      out.appendChild(el("p", r.data.confident ? "Confident answer:" : "Not confident (the bot would offer HR hand-off):"));
      out.appendChild(el("div", r.data.answer, "answer"));
      var ul = el("ol", null, "sources");
      r.data.sources.forEach(function (s) {
        var li = el("li");
        li.appendChild(el("strong", (s.title || s.source) + (s.section ? " — " + s.section : "")));
        li.appendChild(document.createTextNode(" (" + s.source + (s.score !== undefined ? ", score " + Number(s.score).toFixed(2) : "") + ")"));
        if (s.text) li.appendChild(el("div", s.text, "snippet"));
        ul.appendChild(li);
      });
      out.appendChild(ul);
    });
  }

  function start() {
    call("GET", "/api/admin/me").then(function (r) {
      var who = $("whoami");
      if (r.res.status === 401 || !token) {
        sessionStorage.removeItem("hrbot:admin_token");
        who.textContent = "Not signed in. Sign in on the demo page (E1003 is the HR admin) or paste a token.";
        $("token-form").classList.remove("hidden");
        return;
      }
      if (!r.res.ok) { who.textContent = errText(r.res, r.data); return; }
      if (!r.data.is_hr_admin) {
        who.textContent = "Signed in as " + r.data.employee_id + ", who is not an HR administrator: access denied.";
        return;
      }
      who.textContent = "Signed in as " + r.data.employee_id + " (HR administrator).";
      $("admin").classList.remove("hidden");
      loadDocs();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("upload-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var f = $("file").files[0];
      if (f) { $("upload-btn").disabled = true; upload(f, null, $("replace").checked).then(function () { $("upload-btn").disabled = false; }); }
    });
    $("replace-file").addEventListener("change", function () {
      var f = $("replace-file").files[0];
      if (f && replacing) upload(f, replacing).then(function () { $("replace-file").value = ""; replacing = null; });
    });
    $("refresh").addEventListener("click", loadDocs);
    $("ask-form").addEventListener("submit", ask);
    $("token-form").addEventListener("submit", function (e) {
      e.preventDefault();
      token = $("token").value.trim() || null;
      if (token) sessionStorage.setItem("hrbot:admin_token", token);
      start();
    });
    token = sessionStorage.getItem("hrbot:admin_token");
    if (token) { start(); return; }
    fetch("/dev/token", { method: "POST", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; })
      .then(function (d) { token = d && d.token ? d.token : null; start(); });
  });
})();
