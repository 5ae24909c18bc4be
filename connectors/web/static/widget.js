/*
 * HR assistant chat widget. Embed with one tag:
 *   <script src="https://hr-gateway.example/widget.js" data-token-endpoint="/sso/hrbot-token" defer></script>
 * Optional attributes: data-api-base (default: where this script came from), data-lang ("en"|"zh"),
 * data-open ("true" to start open).
 * The token endpoint is POSTed with the page's cookies and answers {"token": "<JWT>"|null, "employee_id"}.
 * Plain JS, no build step. Everything that comes from the server is inserted with textContent.
 */
(function () {
  "use strict";
  if (window.HRBotWidget) return;

  var script = document.currentScript;
  var ds = (script && script.dataset) || {};
  var scriptUrl = new URL((script && script.src) || "/widget.js", location.href);
  var API = (ds.apiBase || scriptUrl.origin).replace(/\/$/, "");
  var TOKEN_ENDPOINT = ds.tokenEndpoint ? new URL(ds.tokenEndpoint, location.href).href : null;
  var KEY = "hrbot:";
  var MAX_CHARS = 2000;
  var MAX_TRANSCRIPT = 200;

  var STR = {
    en: {
      title: "HR Assistant", open: "Open HR assistant chat", close: "Close chat", guest: "Guest",
      signedIn: "Signed in as {id}", inputLabel: "Your message", placeholder: "Ask an HR question…",
      send: "Send", typing: "HR Assistant is typing…", switchLang: "中文", switchLangLabel: "切换到中文",
      newChat: "New chat", link: "Link Telegram", log: "Conversation", you: "You", bot: "HR Assistant",
      sources: "Sources", welcome: "Hi! I can answer HR policy questions and, when you are signed in, help with your leave and records. How can I help?",
      welcomeGuest: "You are not signed in: I can answer policy questions, but cannot look at your personal records.",
      network: "Cannot reach the HR assistant. Check your connection and try again.",
      expired: "Your sign-in has expired. Please reload the page.",
      tooLong: "Your message is too long (max 2000 characters).",
      linkCode: "Your Telegram link code is {code}. Send “/link {code}” to {bot} within 10 minutes. The code works once.",
      theBot: "the HR bot on Telegram", linkFailed: "Could not create a link code: {msg}",
      signInFirst: "Sign in first to link Telegram.", openTelegram: "Open Telegram and link now", youChose: "You chose",
      fromHR: "HR replied · case #{id}", hrAsks: "HR needs information · case #{id}", replyHR: "Reply to HR",
      answerHR: "Answer HR", replying: "Your next message goes to HR (case #{id}).", cancelReply: "Cancel",
      cancelReplyLabel: "Stop replying to HR", replyPlaceholder: "Write your answer to HR…",
      answerSent: "Sent to HR on case #{id}.", unread: "{n} new from HR", answerFailed: "Could not send your answer to HR: {msg}",
      caseNotYours: "this case is not yours", hrUnavailable: "the HR system cannot be reached right now; try again shortly"
    },
    zh: {
      title: "HR 助手", open: "打开 HR 助手对话", close: "关闭对话", guest: "访客",
      signedIn: "已登录：{id}", inputLabel: "输入消息", placeholder: "请输入人事问题……",
      send: "发送", typing: "HR 助手正在输入…", switchLang: "English", switchLangLabel: "Switch to English",
      newChat: "新对话", link: "关联 Telegram", log: "对话记录", you: "我", bot: "HR 助手",
      sources: "来源", welcome: "您好！我可以解答人事政策问题；登录后还可以帮您办理休假、查询个人信息。请问有什么可以帮您？",
      welcomeGuest: "您尚未登录：可以咨询政策问题，但无法查询个人信息。",
      network: "无法连接 HR 助手，请检查网络后重试。",
      expired: "登录已过期，请刷新页面。",
      tooLong: "消息过长（最多 2000 个字符）。",
      linkCode: "您的 Telegram 关联码是 {code}。请在 10 分钟内向 {bot} 发送“/link {code}”。关联码只能使用一次。",
      theBot: "Telegram 上的 HR 机器人", linkFailed: "无法生成关联码：{msg}",
      signInFirst: "请先登录再关联 Telegram。", openTelegram: "打开 Telegram 立即关联", youChose: "您选择了",
      fromHR: "人事部门回复 · 工单 #{id}", hrAsks: "人事部门需要补充信息 · 工单 #{id}", replyHR: "回复人事",
      answerHR: "回答人事", replying: "您的下一条消息将发送给人事部门（工单 #{id}）。", cancelReply: "取消",
      cancelReplyLabel: "不再回复人事部门", replyPlaceholder: "请输入给人事部门的回复……",
      answerSent: "已发送给人事部门（工单 #{id}）。", unread: "人事部门有 {n} 条新消息", answerFailed: "无法发送给人事部门：{msg}",
      caseNotYours: "这不是您的工单", hrUnavailable: "暂时无法连接人事系统，请稍后再试"
    }
  };

  function store(k, v) {
    try {
      if (v === undefined) return JSON.parse(localStorage.getItem(KEY + k));
      if (v === null) localStorage.removeItem(KEY + k);
      else localStorage.setItem(KEY + k, JSON.stringify(v));
    } catch (e) { return null; }
    return null;
  }

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === "class") n.className = attrs[k]; else n.setAttribute(k, attrs[k]);
    });
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }

  function fmt(s, vars) {
    return s.replace(/\{(\w+)\}/g, function (_, k) { return vars[k] === undefined ? "" : String(vars[k]); });
  }

  /* Only http(s) or same-origin links: never javascript:, data: or other schemes from documents. */
  function safeHref(cit) {
    if (cit.url) {
      try {
        var u = new URL(cit.url, API + "/");
        if (u.protocol === "http:" || u.protocol === "https:") return u.href;
      } catch (e) { /* fall through */ }
    }
    if (cit.source) {
      return API + "/knowledge/source/" + String(cit.source).split("/").map(encodeURIComponent).join("/");
    }
    return null;
  }

  var state = {
    lang: store("lang") || ds.lang || ((navigator.language || "en").toLowerCase().indexOf("zh") === 0 ? "zh" : "en"),
    token: null, employeeId: null, open: store("open") === true || ds.open === "true",
    busy: true, transcript: [], who: null,  /* busy until we know who is signed in */
    replyTo: null, unread: 0  /* replyTo: the HR case the next message answers */
  };
  if (state.lang !== "zh") state.lang = "en";

  function tr(k) { return STR[state.lang][k]; }

  /* ---------------------------------------------------------------- DOM */
  var host = el("div", { id: "hrbot-widget" });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var css = el("link", { rel: "stylesheet", href: API + "/widget.css" });
  root.appendChild(css);

  var launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "hrbot-panel" });
  var launcherIcon = el("span", { class: "launcher-icon", "aria-hidden": "true" }, "💬");
  var launcherText = el("span", { class: "launcher-text" });
  var launcherBadge = el("span", { class: "badge", "aria-hidden": "true", hidden: "" });
  launcher.appendChild(launcherIcon); launcher.appendChild(launcherText); launcher.appendChild(launcherBadge);

  var panel = el("section", { id: "hrbot-panel", class: "panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "hrbot-title" });
  var header = el("header", { class: "head" });
  var headTop = el("div", { class: "head-top" });
  var titleBox = el("div", { class: "title-box" });
  var title = el("h2", { id: "hrbot-title", class: "title" });
  var who = el("p", { class: "who" });
  titleBox.appendChild(title); titleBox.appendChild(who);
  var tools = el("div", { class: "tools" });
  var langBtn = el("button", { type: "button", class: "tool lang", lang: "" });
  var newBtn = el("button", { type: "button", class: "tool" });
  var linkBtn = el("button", { type: "button", class: "tool" });
  var closeBtn = el("button", { type: "button", class: "tool close" }, "✕");
  [langBtn, linkBtn, newBtn].forEach(function (b) { tools.appendChild(b); });
  headTop.appendChild(titleBox); headTop.appendChild(closeBtn);
  header.appendChild(headTop); header.appendChild(tools);

  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" });
  var typing = el("div", { class: "typing", role: "status", hidden: "" });
  var dots = el("span", { class: "dots", "aria-hidden": "true" });
  dots.appendChild(el("i")); dots.appendChild(el("i")); dots.appendChild(el("i"));
  var typingText = el("span", { class: "sr-only" });
  typing.appendChild(dots); typing.appendChild(typingText);

  var replyBar = el("div", { class: "reply-bar", role: "status", hidden: "" });
  var replyText = el("span", { class: "reply-text" });
  var replyCancel = el("button", { type: "button", class: "reply-cancel" });
  replyBar.appendChild(replyText); replyBar.appendChild(replyCancel);
  var form = el("form", { class: "composer", novalidate: "" });
  var label = el("label", { for: "hrbot-input", class: "sr-only" });
  var input = el("textarea", { id: "hrbot-input", rows: "1", maxlength: String(MAX_CHARS), autocomplete: "off", enterkeyhint: "send" });
  var sendBtn = el("button", { type: "submit", class: "send" });
  form.appendChild(label); form.appendChild(input); form.appendChild(sendBtn);

  panel.appendChild(header); panel.appendChild(log); panel.appendChild(typing); panel.appendChild(replyBar);
  panel.appendChild(form);
  root.appendChild(panel); root.appendChild(launcher);

  function applyStrings() {
    host.setAttribute("lang", state.lang === "zh" ? "zh-CN" : "en");
    launcher.setAttribute("aria-label", tr("open") + (state.unread ? " (" + fmt(tr("unread"), { n: state.unread }) + ")" : ""));
    launcherBadge.textContent = state.unread ? String(state.unread) : "";
    launcherBadge.hidden = !state.unread;
    launcherText.textContent = tr("title");
    title.textContent = tr("title");
    who.textContent = state.employeeId ? fmt(tr("signedIn"), { id: state.employeeId }) : tr("guest");
    langBtn.textContent = tr("switchLang");
    langBtn.setAttribute("lang", state.lang === "zh" ? "en" : "zh-CN");
    langBtn.setAttribute("aria-label", tr("switchLangLabel"));
    newBtn.textContent = tr("newChat");
    linkBtn.textContent = tr("link");
    linkBtn.hidden = !state.employeeId;
    closeBtn.setAttribute("aria-label", tr("close"));
    log.setAttribute("aria-label", tr("log"));
    typingText.textContent = tr("typing");
    label.textContent = tr("inputLabel");
    input.setAttribute("placeholder", state.replyTo ? tr("replyPlaceholder") : tr("placeholder"));
    replyBar.hidden = !state.replyTo;
    replyText.textContent = state.replyTo ? fmt(tr("replying"), { id: state.replyTo }) : "";
    replyCancel.textContent = tr("cancelReply");
    replyCancel.setAttribute("aria-label", tr("cancelReplyLabel"));
    sendBtn.textContent = tr("send");
  }

  function setOpen(open, focus) {
    state.open = open;
    store("open", open);
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    if (focus !== false) (open ? input : launcher).focus();
    if (open) { scrollDown(); syncCases(); }
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  /* ---------------------------------------------------------------- rendering */
  function renderListItem(item) {
    if (item !== null && typeof item === "object") {
      return Object.keys(item).filter(function (k) { return item[k] !== null && item[k] !== ""; })
        .map(function (k) { return k + ": " + (typeof item[k] === "object" ? JSON.stringify(item[k]) : item[k]); })
        .join(" · ");
    }
    return String(item);
  }

  function renderBotMessage(msg, entryIndex, answered) {
    var box = el("div", { class: "msg bot" });
    box.appendChild(el("span", { class: "sr-only" }, tr("bot") + ": "));
    if (msg.text) box.appendChild(el("p", { class: "text" }, msg.text));
    if (Array.isArray(msg.list) && msg.list.length) {
      var ul = el("ul", { class: "list" });
      msg.list.forEach(function (it) { ul.appendChild(el("li", null, renderListItem(it))); });
      box.appendChild(ul);
    }
    if (Array.isArray(msg.citations) && msg.citations.length) {
      var cit = el("div", { class: "citations" });
      cit.appendChild(el("p", { class: "cit-head" }, tr("sources")));
      var cl = el("ul");
      msg.citations.forEach(function (c) {
        var li = el("li");
        var label = String(c.title || c.source || "") + (c.section ? " — " + c.section : "");
        var href = safeHref(c);
        var a = href ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, label) : el("span", null, label);
        li.appendChild(a);
        if (c.source && c.source !== c.title) li.appendChild(el("span", { class: "src" }, c.source));
        cl.appendChild(li);
      });
      cit.appendChild(cl);
      box.appendChild(cit);
    }
    if (Array.isArray(msg.buttons) && msg.buttons.length) {
      var group = el("div", { class: "buttons", role: "group" });
      msg.buttons.forEach(function (b) {
        var btn = el("button", { type: "button", class: "quick" }, b.title || b.payload);
        if (answered) btn.disabled = true;
        btn.addEventListener("click", function () {
          if (state.busy) return;
          markAnswered(entryIndex);
          Array.prototype.forEach.call(group.querySelectorAll("button"), function (x) { x.disabled = true; });
          send(String(b.payload), String(b.title || b.payload));
          input.focus();
        });
        group.appendChild(btn);
      });
      box.appendChild(group);
    }
    return box;
  }

  /* A message from a person in HR on one of the employee's cases, with a way to answer it. */
  function renderHrMessage(entry) {
    var box = el("div", { class: "msg hr" + (entry.ask ? " ask" : "") });
    box.appendChild(el("p", { class: "hr-head" }, fmt(tr(entry.ask ? "hrAsks" : "fromHR"), { id: entry.caseId })));
    box.appendChild(el("p", { class: "text" }, entry.text));
    var btn = el("button", { type: "button", class: "quick reply-hr" }, tr(entry.ask ? "answerHR" : "replyHR"));
    btn.addEventListener("click", function () { setReplyTo(entry.caseId); });
    var group = el("div", { class: "buttons" });
    group.appendChild(btn);
    box.appendChild(group);
    return box;
  }

  function setReplyTo(caseId) {
    state.replyTo = caseId;
    applyStrings();
    input.focus();
  }

  function renderEntry(entry, index) {
    var node;
    if (entry.from === "user") {
      node = el("div", { class: "msg user" });
      node.appendChild(el("span", { class: "sr-only" }, tr("you") + ": "));
      node.appendChild(el("p", { class: "text" }, entry.text));
    } else if (entry.from === "system") {
      node = el("div", { class: "msg system" + (entry.error ? " error" : "") });
      node.appendChild(el("p", { class: "text" }, entry.text));
      if (entry.code) node.appendChild(el("p", { class: "code" }, entry.code));
      if (entry.href && /^https:\/\/t\.me\//.test(entry.href)) {
        var open = el("p", { class: "deep-link" });
        open.appendChild(el("a", { href: entry.href, target: "_blank", rel: "noopener noreferrer" }, tr("openTelegram")));
        node.appendChild(open);
      }
    } else if (entry.from === "hr") {
      node = renderHrMessage(entry);
    } else {
      node = renderBotMessage(entry.msg || {}, index, entry.answered);
    }
    log.appendChild(node);
  }

  function renderAll() {
    // Re-rendering (reload, language switch) must not make screen readers read the whole log again.
    log.setAttribute("aria-live", "off");
    log.textContent = "";
    var intro = el("div", { class: "msg bot intro" });
    intro.appendChild(el("p", { class: "text" }, tr("welcome")));
    if (!state.employeeId) intro.appendChild(el("p", { class: "text hint" }, tr("welcomeGuest")));
    log.appendChild(intro);
    state.transcript.forEach(renderEntry);
    scrollDown();
    setTimeout(function () { log.setAttribute("aria-live", "polite"); }, 0);
  }

  function add(entry) {
    state.transcript.push(entry);
    if (state.transcript.length > MAX_TRANSCRIPT) state.transcript = state.transcript.slice(-MAX_TRANSCRIPT);
    saveTranscript();
    renderEntry(entry, state.transcript.length - 1);
    scrollDown();
  }

  function markAnswered(index) {
    if (state.transcript[index]) { state.transcript[index].answered = true; saveTranscript(); }
  }

  function saveTranscript() {
    // A salary or ID shown on request is kept only masked (the reply's masked_text), never as shown.
    var kept = state.transcript.map(function (e) {
      if (!e.msg || !e.msg.masked_text) return e;
      var msg = Object.assign({}, e.msg, { text: e.msg.masked_text });
      delete msg.masked_text;
      return Object.assign({}, e, { msg: msg });
    });
    store("transcript", { who: state.who, entries: kept });
  }

  function loadTranscript() {
    var saved = store("transcript");
    // A different person (or guest) on this browser must not see the previous conversation.
    state.transcript = saved && saved.who === state.who && Array.isArray(saved.entries) ? saved.entries : [];
    saveTranscript();
  }

  function setTyping(on) {
    typing.hidden = !on;
    if (on) scrollDown();
  }

  /* ---------------------------------------------------------------- network */
  function sessionId() {
    var sid = store("session_id");
    if (!sid) { sid = uuid4(); store("session_id", sid); }
    return sid;
  }

  function fetchToken() {
    if (!TOKEN_ENDPOINT) return Promise.resolve({ token: null, employee_id: null });
    return fetch(TOKEN_ENDPOINT, { method: "POST", credentials: "include", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { token: null, employee_id: null }; })
      .catch(function () { return { token: null, employee_id: null }; });
  }

  function refreshIdentity() {
    return fetchToken().then(function (data) {
      state.token = data && data.token ? String(data.token) : null;
      state.employeeId = state.token && data.employee_id ? String(data.employee_id) : null;
      state.who = state.employeeId || "guest";
      state.replyTo = null;
      state.unread = 0;
      loadTranscript();
      applyStrings();
      renderAll();
      state.busy = false;
      sendBtn.disabled = false;
      startLive();
    });
  }

  /* ---------------------------------------------------------------- HR cases
   * Replies from HR on the employee's cases: an unread badge on the launcher while the chat is
   * closed; in the conversation when it is opened (then marked read), live while it is open (a
   * server-sent event stream over fetch, so the token goes in a header, not the URL). "Reply to
   * HR" on such a message sends the next message to that case instead of to the assistant. */
  var live = { ctrl: null, timer: null, failures: 0, pulse: null };

  function shownHr() {
    var ids = {};
    state.transcript.forEach(function (e) { if (e.from === "hr") ids[e.msgId] = true; });
    return ids;
  }

  function syncCases() {
    if (!state.token) return Promise.resolve();
    var me = state.who;
    return api("/api/cases", null, false, "GET").then(function (res) {
      if (res.status !== 200 || !Array.isArray(res.data) || state.who !== me) return;
      var cases = res.data.slice().reverse();  /* oldest first, so messages arrive in order */
      state.unread = cases.reduce(function (n, c) { return n + (c.unread || 0); }, 0);
      if (state.open) {
        var seen = shownHr();
        cases.forEach(function (c) {
          (c.thread || []).forEach(function (m) {
            if ((m.kind === "reply" || m.kind === "request_info") && !m.read_at && !seen[m.id]) {
              add({ from: "hr", caseId: c.id, msgId: m.id, text: m.body, ask: m.kind === "request_info" });
            }
          });
          if (c.unread) api("/api/cases/" + c.id + "/read", {});
        });
        state.unread = 0;
      }
      applyStrings();
    }).catch(function () { /* offline: the next event or opening the chat tries again */ });
  }

  function answerHR(caseId, text) {
    add({ from: "user", text: text });
    state.busy = true;
    sendBtn.disabled = true;
    api("/api/cases/" + caseId + "/messages", { text: text }, false, "POST", { "Idempotency-Key": uuid4() }).then(function (res) {
      if (res.status === 201) {
        state.replyTo = null;
        applyStrings();
        add({ from: "system", text: fmt(tr("answerSent"), { id: caseId }) });
      } else {
        var err = (res.data && res.data.error) || {};
        var known = { forbidden: "caseNotYours", personnel_unavailable: "hrUnavailable" }[err.code];
        add({ from: "system", text: fmt(tr("answerFailed"), { msg: known ? tr(known) : (err.message || res.status) }), error: true });
      }
    }).catch(function () {
      add({ from: "system", text: tr("network"), error: true });
    }).then(function () {
      state.busy = false;
      sendBtn.disabled = false;
    });
  }

  function stopLive() {
    if (live.ctrl) live.ctrl.abort();
    if (live.timer) clearTimeout(live.timer);
    live.ctrl = null; live.timer = null; live.pulse = null;
  }

  function onEvent(chunk) {
    var name = "message", data = "";
    chunk.split("\n").forEach(function (line) {
      if (line.indexOf("event:") === 0) name = line.slice(6).trim();
      else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
    });
    if (name !== "cases" || !data) return;
    var pulse;
    try { pulse = JSON.parse(data); } catch (e) { return; }
    var before = live.pulse;
    live.pulse = pulse;
    if (!before || before.latest_message_id !== pulse.latest_message_id || before.unread !== pulse.unread) syncCases();
  }

  function startLive() {
    stopLive();
    if (!state.token || !window.fetch || !window.TextDecoder || !window.AbortController) { syncCases(); return; }
    var ctrl = new AbortController();
    live.ctrl = ctrl;
    fetch(API + "/api/cases/events", {
      headers: { "Authorization": "Bearer " + state.token, "Accept": "text/event-stream" }, signal: ctrl.signal
    }).then(function (r) {
      if (r.status === 401) {
        return fetchToken().then(function (d) { if (d && d.token) state.token = String(d.token); else throw new Error("signed out"); });
      }
      if (!r.ok || !r.body) throw new Error("events " + r.status);
      live.failures = 0;
      var reader = r.body.getReader(), decoder = new TextDecoder(), buf = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buf += decoder.decode(chunk.value, { stream: true });
          var parts = buf.split("\n\n");
          buf = parts.pop();
          parts.forEach(onEvent);
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      live.failures += 1;
    }).then(function () {
      if (live.ctrl !== ctrl || ctrl.signal.aborted) return;
      /* the server ends each stream after a while: reconnect at once; back off after failures */
      var delay = live.failures ? Math.min(30000, 1000 * Math.pow(2, live.failures)) : 250;
      live.timer = setTimeout(startLive, delay);
    });
  }

  function api(path, body, retried, method, extra) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (state.token) headers.Authorization = "Bearer " + state.token;
    Object.keys(extra || {}).forEach(function (k) { headers[k] = extra[k]; });
    method = method || "POST";
    return fetch(API + path, { method: method, headers: headers, body: method === "GET" ? undefined : JSON.stringify(body || {}) })
      .then(function (r) {
        if (r.status === 401 && state.token && !retried) {
          return fetchToken().then(function (d) {
            if (!d || !d.token) return { status: 401, data: null };
            state.token = String(d.token);
            return api(path, body, true, method, extra);
          });
        }
        return r.json().catch(function () { return null; }).then(function (d) { return { status: r.status, data: d }; });
      });
  }

  function send(text, shown) {
    text = String(text).trim();
    if (!text || state.busy) return;
    if (text.length > MAX_CHARS) { add({ from: "system", text: tr("tooLong"), error: true }); return; }
    if (state.replyTo && !shown) { answerHR(state.replyTo, text); return; }
    add({ from: "user", text: shown || text });
    state.busy = true;
    sendBtn.disabled = true;
    setTyping(true);
    var body = { message: text, lang: state.lang };
    if (!state.token) body.session_id = sessionId();
    api("/api/chat", body).then(function (res) {
      if (res.status === 200 && res.data && Array.isArray(res.data.messages)) {
        if (res.data.session_id && !state.token) store("session_id", res.data.session_id);
        res.data.messages.forEach(function (m) { add({ from: "bot", msg: m }); });
      } else if (res.status === 401) {
        add({ from: "system", text: tr("expired"), error: true });
      } else {
        var m = res.data && res.data.error && res.data.error.message;
        add({ from: "system", text: m ? String(m) : tr("network"), error: true });
      }
    }).catch(function () {
      add({ from: "system", text: tr("network"), error: true });
    }).then(function () {
      state.busy = false;
      sendBtn.disabled = false;
      setTyping(false);
    });
  }

  function linkTelegram() {
    if (!state.token) { add({ from: "system", text: tr("signInFirst"), error: true }); return; }
    api("/api/telegram/link-code", {}).then(function (res) {
      if (res.status === 200 && res.data && res.data.code) {
        var bot = res.data.bot_username ? "@" + res.data.bot_username : tr("theBot");
        var entry = { from: "system", text: fmt(tr("linkCode"), { code: res.data.code, bot: bot }), code: res.data.code };
        if (res.data.bot_username) entry.href = "https://t.me/" + encodeURIComponent(res.data.bot_username) + "?start=" + encodeURIComponent(res.data.code);
        add(entry);
      } else {
        var m = (res.data && res.data.error && res.data.error.message) || res.status;
        add({ from: "system", text: fmt(tr("linkFailed"), { msg: m }), error: true });
      }
    }).catch(function () { add({ from: "system", text: tr("network"), error: true }); });
  }

  /* ---------------------------------------------------------------- events */
  launcher.addEventListener("click", function () { setOpen(true); });
  closeBtn.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });
  langBtn.addEventListener("click", function () {
    state.lang = state.lang === "zh" ? "en" : "zh";
    store("lang", state.lang);
    applyStrings();
    renderAll();
    langBtn.focus();
  });
  newBtn.addEventListener("click", function () {
    state.transcript = [];
    state.replyTo = null;
    applyStrings();
    store("session_id", null);
    saveTranscript();
    renderAll();
    input.focus();
  });
  linkBtn.addEventListener("click", linkTelegram);
  replyCancel.addEventListener("click", function () { state.replyTo = null; applyStrings(); input.focus(); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    if (!text.trim() || state.busy) return;
    input.value = "";
    autosize();
    send(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {  // isComposing: Chinese IME confirmation
      e.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 140) + "px";
  }
  input.addEventListener("input", autosize);

  function mount() {
    sendBtn.disabled = true;
    document.body.appendChild(host);
    applyStrings();
    setOpen(state.open, false);
    renderAll();
    refreshIdentity();
  }

  window.HRBotWidget = {
    refreshIdentity: refreshIdentity,
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    setLang: function (lang) { state.lang = lang === "zh" ? "zh" : "en"; store("lang", state.lang); applyStrings(); renderAll(); }
  };

  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
