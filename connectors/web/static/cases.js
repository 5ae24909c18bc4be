/* HR case inbox (/admin/cases), English and Chinese. Token: the demo sign-in (dev only, via
   /dev/token and the demo cookie) or a pasted intranet JWT kept in sessionStorage, as on the
   knowledge admin page. The backend decides who may do what; this page only shows and asks.
   All server data is inserted with textContent. */
(function () {
  "use strict";
  var STR = {
    en: {
      brand: "HR case inbox", navDemo: "Demo intranet", navKnowledge: "Knowledge admin", navCases: "Case inbox",
      switchLang: "中文", switchLangLabel: "切换到中文", checking: "Checking your sign-in…",
      pasteToken: "Paste your intranet token (JWT):", useToken: "Use token",
      notSignedIn: "Not signed in. Sign in on the demo page (E1003 is the HR admin) or paste a token.",
      notHR: "Signed in as {id}, who is not an HR administrator: access denied.",
      signedIn: "Signed in as {id} (HR administrator).",
      inbox: "Cases", show: "Show", viewOpen: "Open", viewMine: "Mine", viewUnassigned: "Unassigned",
      viewWaiting: "Waiting on employee", viewResolved: "Resolved", viewAll: "All",
      search: "Search", searchHint: "Words, a name, an employee id or #case",
      colSubject: "Subject", colEmployee: "Employee", colStatus: "Status", colChannel: "Channel",
      colLanguage: "Language", colAge: "Age", colAssignee: "Assignee",
      none: "No cases here.", anonymous: "Anonymous (not signed in)", nobody: "Unassigned", needsReply: "needs reply",
      st_open: "Open", st_in_progress: "In progress", st_waiting_employee: "Waiting on employee", st_resolved: "Resolved",
      ch_web: "Web widget", ch_telegram: "Telegram", ch_api: "API", lang_en: "English", lang_zh: "Chinese",
      take: "Take", taken: "Assigned to you.", resolve: "Resolve", resolved: "Case resolved.", reopen: "Reopen", reopened: "Case reopened.",
      thread: "Thread", noThread: "No messages yet.", yourMessage: "Your message", kindLabel: "Send as",
      kindReply: "Reply to the employee", kindAsk: "Ask for information", kindNote: "Internal note (HR only)",
      send: "Send", sent: "Sent: the employee gets it in the chat they used.", noted: "Note added (HR only).",
      transcript: "Conversation with the assistant (personal data masked)",
      k_reply: "HR reply", k_request_info: "HR asked", k_answer: "Employee", k_note: "Internal note",
      metaEmployee: "Employee", metaChannel: "Channel", metaLanguage: "Language", metaOpened: "Opened",
      metaAssignee: "Assignee", caseTitle: "Case #{id}: {subject}", read: "read", unread: "not read yet",
      age_m: "{n} min", age_h: "{n} h", age_d: "{n} d",
      e_case_resolved: "This case is resolved: reopen it first.",
      e_anonymous_case: "The person was not signed in, so a reply cannot reach them. Add an internal note instead.",
      e_already_resolved: "This case is already resolved.", e_not_resolved: "Only a resolved case can be reopened.",
      e_forbidden: "You may not do this.", e_personnel_unavailable: "The HR system cannot be reached right now; try again shortly.",
      e_network: "Cannot reach the server. Check your connection and try again."
    },
    zh: {
      brand: "人事工单", navDemo: "演示内网", navKnowledge: "知识库管理", navCases: "工单收件箱",
      switchLang: "English", switchLangLabel: "Switch to English", checking: "正在确认登录状态…",
      pasteToken: "粘贴内网令牌（JWT）：", useToken: "使用令牌",
      notSignedIn: "尚未登录。请在演示页面登录（E1003 是 HR 管理员），或粘贴令牌。",
      notHR: "当前登录为 {id}，不是 HR 管理员，无权访问。",
      signedIn: "已登录：{id}（HR 管理员）。",
      inbox: "工单", show: "显示", viewOpen: "未结", viewMine: "我的", viewUnassigned: "未分配",
      viewWaiting: "等待员工", viewResolved: "已解决", viewAll: "全部",
      search: "搜索", searchHint: "关键词、姓名、工号或 #工单号",
      colSubject: "主题", colEmployee: "员工", colStatus: "状态", colChannel: "渠道",
      colLanguage: "语言", colAge: "时长", colAssignee: "处理人",
      none: "没有工单。", anonymous: "匿名（未登录）", nobody: "未分配", needsReply: "待回复",
      st_open: "待处理", st_in_progress: "处理中", st_waiting_employee: "等待员工回复", st_resolved: "已解决",
      ch_web: "网页助手", ch_telegram: "Telegram", ch_api: "API", lang_en: "英文", lang_zh: "中文",
      take: "认领", taken: "已分配给您。", resolve: "解决", resolved: "工单已解决。", reopen: "重新打开", reopened: "工单已重新打开。",
      thread: "往来消息", noThread: "暂无消息。", yourMessage: "您的消息", kindLabel: "发送方式",
      kindReply: "回复员工", kindAsk: "请员工补充信息", kindNote: "内部备注（仅 HR 可见）",
      send: "发送", sent: "已发送：员工会在其使用的聊天渠道收到。", noted: "已添加备注（仅 HR 可见）。",
      transcript: "与助手的对话（个人信息已遮蔽）",
      k_reply: "HR 回复", k_request_info: "HR 询问", k_answer: "员工", k_note: "内部备注",
      metaEmployee: "员工", metaChannel: "渠道", metaLanguage: "语言", metaOpened: "创建时间",
      metaAssignee: "处理人", caseTitle: "工单 #{id}：{subject}", read: "已读", unread: "未读",
      age_m: "{n} 分钟", age_h: "{n} 小时", age_d: "{n} 天",
      e_case_resolved: "该工单已解决，请先重新打开。",
      e_anonymous_case: "提问人未登录，回复无法送达。请改为添加内部备注。",
      e_already_resolved: "该工单已经解决。", e_not_resolved: "只有已解决的工单才能重新打开。",
      e_forbidden: "您无权执行此操作。", e_personnel_unavailable: "暂时无法连接人事系统，请稍后再试。",
      e_network: "无法连接服务器，请检查网络后重试。"
    }
  };
  var params = new URLSearchParams(location.search);
  var lang = params.get("lang") || sessionStorage.getItem("hrbot:admin_lang") ||
    ((navigator.language || "en").toLowerCase().indexOf("zh") === 0 ? "zh" : "en");
  if (lang !== "zh") lang = "en";
  var REFRESH_MS = 30000;
  var token = null, view = "open", query = "", current = null, composeKey = null, me = null;

  function $(id) { return document.getElementById(id); }
  function tr(k) { return STR[lang][k] !== undefined ? STR[lang][k] : k; }
  function fmt(s, v) { return s.replace(/\{(\w+)\}/g, function (_, k) { return v[k] === undefined ? "" : String(v[k]); }); }
  function el(tag, text, cls) {
    var n = document.createElement(tag);
    if (text !== undefined && text !== null) n.textContent = String(text);
    if (cls) n.className = cls;
    return n;
  }
  function say(target, text, ok) {
    var box = $(target);
    box.textContent = "";
    if (text) box.appendChild(el("div", text, "msg " + (ok ? "ok" : "err")));
  }
  function errText(r) {
    var e = r.data && r.data.error;
    if (e && STR[lang]["e_" + e.code]) return tr("e_" + e.code);
    if (r.res.status === 0) return tr("e_network");
    return (e && e.message) || ("HTTP " + r.res.status);
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }
  function call(method, path, body, extra) {
    var headers = { "Accept": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    Object.keys(extra || {}).forEach(function (k) { headers[k] = extra[k]; });
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (res) { return res.json().catch(function () { return null; }).then(function (d) { return { res: res, data: d }; }); })
      .catch(function () { return { res: { ok: false, status: 0 }, data: null }; });
  }
  function person(p) { return p ? (lang === "zh" ? p.name_zh : p.name_en) + " (" + p.id + ")" : null; }
  function age(iso) {
    var mins = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 60000));
    if (mins < 60) return fmt(tr("age_m"), { n: mins });
    if (mins < 48 * 60) return fmt(tr("age_h"), { n: Math.floor(mins / 60) });
    return fmt(tr("age_d"), { n: Math.floor(mins / 1440) });
  }
  function when(iso) { return new Date(iso).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB"); }
  function statusBadge(status) { return el("span", tr("st_" + status), "badge st-" + status); }

  /* ------------------------------------------------------------------ strings */
  function applyStrings() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.title = tr("brand");
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (n) { n.textContent = tr(n.getAttribute("data-i18n")); });
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-placeholder]"), function (n) {
      n.setAttribute("placeholder", tr(n.getAttribute("data-i18n-placeholder")));
    });
    var b = $("lang");
    b.textContent = tr("switchLang");
    b.setAttribute("lang", lang === "zh" ? "en" : "zh-CN");
    b.setAttribute("aria-label", tr("switchLangLabel"));
    Array.prototype.forEach.call(document.querySelectorAll(".filter"), function (f) {
      f.setAttribute("aria-pressed", String(f.getAttribute("data-view") === view));
    });
    if (me) $("whoami").textContent = fmt(tr("signedIn"), { id: me });
  }

  /* ------------------------------------------------------------------ list */
  function loadList() {
    var path = "/api/admin/cases?view=" + encodeURIComponent(view) + (query ? "&q=" + encodeURIComponent(query) : "");
    return call("GET", path).then(function (r) {
      var body = $("cases");
      body.textContent = "";
      if (!r.res.ok) { say("list-msg", errText(r), false); return; }
      say("list-msg", r.data.length ? "" : tr("none"), true);
      r.data.forEach(function (c) {
        var row = el("tr");
        row.setAttribute("data-case", c.id);
        if (current && current.id === c.id) row.className = "selected";
        row.appendChild(el("td", "#" + c.id));
        var subj = el("td");
        var link = el("a", c.subject);
        link.href = "#case-" + c.id;
        link.addEventListener("click", function (e) {
          e.preventDefault();
          openCase(c.id).then(function () { $("case").focus(); });  /* on phones the case is below the list */
        });
        subj.appendChild(link);
        if (c.needs_reply) subj.appendChild(el("span", tr("needsReply"), "flag"));
        row.appendChild(subj);
        row.appendChild(el("td", person(c.employee) || tr("anonymous")));
        var st = el("td"); st.appendChild(statusBadge(c.status)); row.appendChild(st);
        row.appendChild(el("td", tr("ch_" + c.channel), "opt"));
        row.appendChild(el("td", tr("lang_" + c.language), "opt"));
        var a = el("td", age(c.created_at)); a.title = when(c.created_at); row.appendChild(a);
        row.appendChild(el("td", person(c.assignee) || tr("nobody")));
        body.appendChild(row);
      });
    });
  }

  /* ------------------------------------------------------------------ one case */
  function openCase(id, keepMsg) {
    return call("GET", "/api/admin/cases/" + id).then(function (r) {
      if (!r.res.ok) { say("list-msg", errText(r), false); return; }
      if (!keepMsg) say("case-msg", "");
      if (!current || current.id !== id) composeKey = null;
      renderCase(r.data);
      if (location.hash !== "#case-" + id) history.replaceState(null, "", "#case-" + id);
      Array.prototype.forEach.call(document.querySelectorAll("#cases tr"), function (row) {
        row.className = row.getAttribute("data-case") === String(id) ? "selected" : "";
      });
    });
  }

  function renderCase(c) {
    current = c;
    $("case").classList.remove("hidden");
    $("case-title").textContent = fmt(tr("caseTitle"), { id: c.id, subject: c.subject });
    var st = $("case-status");
    st.textContent = tr("st_" + c.status);
    st.className = "badge st-" + c.status;
    var meta = $("case-meta");
    meta.textContent = "";
    [["metaEmployee", person(c.employee) || tr("anonymous")], ["metaChannel", tr("ch_" + c.channel)],
      ["metaLanguage", tr("lang_" + c.language)], ["metaOpened", when(c.created_at) + " (" + age(c.created_at) + ")"],
      ["metaAssignee", person(c.assignee) || tr("nobody")]].forEach(function (pair) {
      meta.appendChild(el("dt", tr(pair[0])));
      meta.appendChild(el("dd", pair[1]));
    });
    var resolved = c.status === "resolved";
    $("take").hidden = resolved || (c.assignee && c.assignee.id === me);
    $("resolve").hidden = resolved;
    $("reopen").hidden = !resolved;
    $("reply-form").hidden = resolved;
    var thread = $("thread");
    thread.textContent = "";
    if (!c.thread.length) thread.appendChild(el("li", tr("noThread"), "empty"));
    c.thread.forEach(function (m) {
      var li = el("li", null, "m m-" + m.kind);
      var head = el("p", null, "m-head");
      head.appendChild(el("strong", tr("k_" + m.kind)));
      var who = m.author_id ? " · " + m.author_id : "";
      var read = (m.kind === "reply" || m.kind === "request_info") ? " · " + (m.read_at ? tr("read") : tr("unread")) : "";
      head.appendChild(document.createTextNode(who + " · " + when(m.created_at) + read));
      li.appendChild(head);
      li.appendChild(el("p", m.body, "m-body"));
      thread.appendChild(li);
    });
    $("transcript").textContent = c.transcript || "—";
  }

  function act(action, done) {
    if (!current) return;
    var id = current.id;
    call("POST", "/api/admin/cases/" + id + "/" + action).then(function (r) {
      if (!r.res.ok) { say("case-msg", errText(r), false); return; }
      renderCase(r.data);
      say("case-msg", tr(done), true);
      loadList();
    });
  }

  function send(e) {
    e.preventDefault();
    if (!current) return;
    var text = $("reply").value.trim();
    if (!text) return;
    var kind = $("kind").value;
    composeKey = composeKey || uuid();
    $("send").disabled = true;
    var id = current.id;
    call("POST", "/api/admin/cases/" + id + "/messages", { text: text, kind: kind }, { "Idempotency-Key": composeKey })
      .then(function (r) {
        $("send").disabled = false;
        if (!r.res.ok) { say("case-msg", errText(r), false); return; }
        composeKey = null;
        $("reply").value = "";
        $("kind").value = "reply";
        say("case-msg", tr(kind === "note" ? "noted" : "sent"), true);
        openCase(id, true);
        loadList();
      });
  }

  /* ------------------------------------------------------------------ start */
  function start() {
    call("GET", "/api/admin/me").then(function (r) {
      var who = $("whoami");
      if (r.res.status === 401 || !token) {
        sessionStorage.removeItem("hrbot:admin_token");
        who.textContent = tr("notSignedIn");
        $("token-form").classList.remove("hidden");
        return;
      }
      if (!r.res.ok) { who.textContent = errText(r); return; }
      if (!r.data.is_hr_admin) { who.textContent = fmt(tr("notHR"), { id: r.data.employee_id }); return; }
      me = r.data.employee_id;
      who.textContent = fmt(tr("signedIn"), { id: me });
      $("token-form").classList.add("hidden");
      $("desk").classList.remove("hidden");
      loadList();
      var m = /^#case-(\d+)$/.exec(location.hash);
      if (m) openCase(Number(m[1]));
      /* new cases and employees' answers show up without a reload (a reply being typed is kept) */
      setInterval(function () {
        if (document.hidden) return;
        loadList();
        if (current) openCase(current.id, true);
      }, REFRESH_MS);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    applyStrings();
    $("lang").addEventListener("click", function () {
      lang = lang === "zh" ? "en" : "zh";
      sessionStorage.setItem("hrbot:admin_lang", lang);
      applyStrings();
      if (me) { loadList(); if (current) renderCase(current); }
    });
    Array.prototype.forEach.call(document.querySelectorAll(".filter"), function (f) {
      f.addEventListener("click", function () { view = f.getAttribute("data-view"); applyStrings(); loadList(); });
    });
    $("search-form").addEventListener("submit", function (e) { e.preventDefault(); query = $("search").value.trim(); loadList(); });
    $("take").addEventListener("click", function () { act("take", "taken"); });
    $("resolve").addEventListener("click", function () { act("resolve", "resolved"); });
    $("reopen").addEventListener("click", function () { act("reopen", "reopened"); });
    $("reply-form").addEventListener("submit", send);
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
