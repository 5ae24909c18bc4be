/* Organisation admin on the /admin page: import HR's spreadsheets (dry run first, then import) with
   a progress bar (upload, then the backend job's phases), the row errors in a table, and the holiday
   calendars with their published and missing years. Only shown to HR admins. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var token = null;
  var PHASES = {
    en: { upload: "Uploading", queued: "Queued", read: "Reading", check: "Checking", write: "Writing",
      employees: "Writing employees", contracts: "Writing contracts", leave_allocations: "Writing balances",
      training_records: "Writing training records", audit: "Writing the audit trail", done: "Done", failed: "Failed" },
    zh: { upload: "上传中", queued: "排队中", read: "读取中", check: "校验中", write: "写入中", employees: "写入员工",
      contracts: "写入合同", leave_allocations: "写入假期额度", training_records: "写入培训记录", audit: "写入审计记录",
      done: "完成", failed: "失败" }
  };
  function lang() { return $("org-lang").value === "zh" ? "zh" : "en"; }
  function headers() { return token ? { Authorization: "Bearer " + token } : {}; }
  function api(method, path, body) {
    var opts = { method: method, headers: headers() };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(path, opts).then(function (r) { return r.json().then(function (d) { return { res: r, data: d }; }); });
  }
  function show(phase, done, total) {
    var bar = $("org-progress");
    bar.classList.remove("hidden");
    if (total > 0) { bar.max = total; bar.value = done; } else { bar.removeAttribute("value"); }
    $("org-phase").textContent = (PHASES[lang()][phase] || phase) + (total > 0 ? " " + done + " / " + total : "");
  }
  function cell(tr, text) { var td = document.createElement("td"); td.textContent = text; tr.appendChild(td); }
  function report(rep) {
    $("org-summary").textContent = rep.summary;
    var counts = $("org-counts"); counts.innerHTML = "";
    Object.keys(rep.counts || {}).forEach(function (k) {
      var c = rep.counts[k], tr = document.createElement("tr");
      [k, c.created, c.updated, c.unchanged, c.rejected].forEach(function (v) { cell(tr, String(v)); });
      counts.appendChild(tr);
    });
    var errs = $("org-errors"); errs.innerHTML = "";
    (rep.errors || []).concat(rep.warnings || []).slice(0, 500).forEach(function (e) {
      var tr = document.createElement("tr");
      if (e.warning) tr.className = "warning";
      [e.file, e.sheet, e.row ? String(e.row) : "", e.column, e.message].forEach(function (v) { cell(tr, v || ""); });
      errs.appendChild(tr);
    });
    $("org-report").classList.remove("hidden");
  }
  function poll(id) {
    api("GET", "/api/admin/org/imports/" + encodeURIComponent(id)).then(function (r) {
      var job = r.data;
      if (!r.res.ok) { $("org-summary").textContent = (job.error && job.error.message) || "error"; return; }
      show(job.phase, job.done, job.total);
      if (job.status === "done") { report(job.report); refreshCalendars(); }
      else if (job.status === "failed") { $("org-summary").textContent = job.error || "failed"; }
      else setTimeout(function () { poll(id); }, 400);
    });
  }
  function submit(dryRun) {
    var files = $("org-files").files;
    if (!files.length) return;
    var form = new FormData();
    for (var i = 0; i < files.length; i++) form.append("files", files[i]);
    var q = "?dry_run=" + dryRun + "&partial=" + $("org-partial").checked + "&lang=" + lang();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/admin/org/imports" + q);
    if (token) xhr.setRequestHeader("Authorization", "Bearer " + token);
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) show("upload", e.loaded, e.total); };
    xhr.onload = function () {
      var d = {}; try { d = JSON.parse(xhr.responseText); } catch (err) { d = {}; }
      if (xhr.status >= 300 && !d.id) { $("org-summary").textContent = (d.error && d.error.message) || xhr.statusText; return; }
      poll(d.id);
    };
    $("org-report").classList.add("hidden");
    xhr.send(form);
  }
  function refreshCalendars() {
    api("GET", "/api/admin/org/calendars").then(function (r) {
      var body = $("cal-rows"); body.innerHTML = "";
      if (!r.res.ok) return;
      r.data.forEach(function (c) {
        var tr = document.createElement("tr");
        cell(tr, c.code + " — " + (lang() === "zh" ? c.name_zh : c.name_en));
        cell(tr, c.years.map(function (y) { return y.year + " (" + y.source + ")"; }).join("; "));
        var td = document.createElement("td");
        td.textContent = c.missing.length ? c.missing.join(", ") : "—";
        if (c.missing.length) td.className = "missing";
        tr.appendChild(td);
        body.appendChild(tr);
      });
    });
  }
  function names(text) {
    var parts = text.split("|");
    var en = parts[0].trim(), zh = (parts[1] || "").trim();
    return { name_en: en, name_zh: zh || en };
  }
  function parseLines(text) {
    var out = { holidays: [], makeup_workdays: [] }, bad = [];
    text.split("\n").forEach(function (line, i) {
      line = line.trim();
      if (!line) return;
      var m = /^work\s+(\d{4}-\d{2}-\d{2})\s+(.+)$/i.exec(line);
      if (m) { var n = names(m[2]); n.date = m[1]; out.makeup_workdays.push(n); return; }
      m = /^(\d{4}-\d{2}-\d{2})\s+(\d{4}-\d{2}-\d{2})\s+(.+)$/.exec(line);
      if (m) { var h = names(m[3]); h.from = m[1]; h.to = m[2]; out.holidays.push(h); return; }
      bad.push(i + 1);
    });
    return { body: out, bad: bad };
  }
  function loadYear() {
    var code = $("cal-code").value.trim(), year = $("cal-year").value;
    if (!code || !year) return;
    api("GET", "/api/admin/org/calendars/" + encodeURIComponent(code) + "/" + year).then(function (r) {
      if (!r.res.ok) { $("cal-msg").textContent = (r.data.error && r.data.error.message) || "error"; return; }
      var lines = r.data.holidays.map(function (h) { return h.from + " " + h.to + " " + h.name_en + " | " + h.name_zh; })
        .concat(r.data.makeup_workdays.map(function (m) { return "work " + m.date + " " + m.name_en + " | " + m.name_zh; }));
      $("cal-lines").value = lines.join("\n");
      $("cal-msg").textContent = r.data.published ? (r.data.source || "") : (lang() === "zh" ? "该年度尚未发布" : "Not published yet");
    });
  }
  function publishYear(e) {
    e.preventDefault();
    var parsed = parseLines($("cal-lines").value);
    if (parsed.bad.length) {
      $("cal-msg").textContent = (lang() === "zh" ? "无法识别的行：" : "Lines not understood: ") + parsed.bad.join(", ");
      return;
    }
    parsed.body.source = $("cal-source").value.trim() || "edited on the admin page";
    var code = $("cal-code").value.trim(), year = $("cal-year").value;
    api("PUT", "/api/admin/org/calendars/" + encodeURIComponent(code) + "/" + year, parsed.body).then(function (r) {
      if (!r.res.ok) { $("cal-msg").textContent = (r.data.error && r.data.error.message) || "error"; return; }
      var n = r.data.recounted.length;
      $("cal-msg").textContent = lang() === "zh"
        ? "已发布 " + code + " " + year + "；重新计算了 " + n + " 个待审批申请并已通知本人。"
        : "Published " + code + " " + year + "; " + n + " pending requests recounted and their owners told.";
      refreshCalendars();
    });
  }
  function start() {
    api("GET", "/api/admin/me").then(function (r) {
      if (!r.res.ok || !r.data.is_hr_admin) return;
      $("org-admin").classList.remove("hidden");
      refreshCalendars();
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    $("org-check").addEventListener("click", function () { submit(true); });
    $("org-import").addEventListener("click", function () { submit(false); });
    $("org-lang").addEventListener("change", refreshCalendars);
    $("cal-load").addEventListener("click", loadYear);
    $("cal-form").addEventListener("submit", publishYear);
    token = sessionStorage.getItem("hrbot:admin_token");
    if (token) { start(); return; }
    fetch("/dev/token", { method: "POST", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; })
      .then(function (d) { token = d && d.token ? d.token : null; start(); });
  });
})();
