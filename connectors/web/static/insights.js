/* Curator insights page (/admin/insights): charts (Chart.js, served from this origin) with a table
   beside each for screen readers, CSV export, and the knowledge-gap flow. English and Chinese.
   All server data is inserted with textContent. */
(function () {
  "use strict";
  var STR = {
    en: {
      brand: "HR assistant insights", navAdmin: "Knowledge admin", title: "What employees ask",
      privacy: "Aggregates and masked question texts only: never who asked.", checking: "Checking your sign-in…",
      pasteToken: "Paste your intranet token (JWT):", useToken: "Use token", filters: "Filters", from: "From", to: "To",
      channel: "Channel", language: "Language", all: "All", web: "Web", apply: "Apply", overview: "Overview",
      notSignedIn: "Not signed in. Sign in on the demo page (E1003 is the HR admin) or paste a token.",
      denied: "Signed in as {id}, who is not an HR administrator: access denied.", signedIn: "Signed in as {id} (HR administrator).",
      loading: "Loading…", loaded: "Figures from {from} to {to}.", suppressed: "Hidden: fewer than {n} people used this channel in the range.",
      failed: "Could not load: {msg}", csv: "Download CSV", chartOf: "Chart: {title}. The same figures are in the table beside it.",
      conversations: "Conversations", messages: "Messages", deflection: "Answered without HR", feedbackRatio: "Rated helpful",
      handoffs: "Hand-offs", medianReply: "Median time to first HR response", none: "–", minutes: "{n} min",
      sDaily: "Conversations and messages per day", sChannels: "By channel", sLanguages: "By language",
      sPolicy: "Policy questions: answered, refused, handed off", sFeedback: "Feedback on answers", sIntents: "Top intents",
      sTransactions: "Transactions: completed and abandoned", sHandoffs: "Hand-offs per day", sHandoffTimes: "Time to first HR response",
      day: "Day", messages_en: "English messages", messages_zh: "Chinese messages", hidden: "hidden (fewer than {n} people)",
      outcome: "Outcome", questions: "Questions", answered: "Answered", refused: "Refused", handed_off: "Handed off to HR",
      vote: "Vote", answers: "Answers", helpful: "Helpful", not_helpful: "Not helpful", intent: "Intent", kind: "Transaction",
      completed: "Completed", abandoned: "Abandoned", in_progress: "In progress", case_id: "Case", created: "Handed off",
      first_hr_response: "First HR response", waiting: "waiting", lang: "Language", en: "English", zh: "Chinese",
      leave_apply: "Apply for leave", leave_cancel: "Cancel leave", leave_approve: "Approve leave", leave_reject: "Reject leave",
      course_enrol: "Enrol in a course", course_withdraw: "Withdraw from a course",
      gaps: "Knowledge gaps", gapsLead: "Questions the documents did not answer well (refused, low confidence or rated not helpful), grouped by topic.",
      noGaps: "No open knowledge gaps in this range.", gapMeta: "{q} questions · {p} people · {langs} · {reasons}",
      examples: "Example questions", lastAnswer: "What the assistant answered", cited: "Cited documents", noneCited: "none",
      reask: "Re-ask these questions", reasking: "Asking again…", reaskDone: "{n} of {m} now answered.",
      question: "Question", before: "Before", now: "Now", uploadFix: "Upload a fix", uploading: "Uploading and indexing…",
      uploaded: "Indexed {source}. Re-ask the questions to check.", resolveWith: "Fixed by document", resolve: "Mark resolved",
      resolvedOk: "Resolved with {source}.", resolvedTitle: "Resolved", fixedBy: "Fixed by", resolvedAt: "Resolved at",
      refusedR: "refused", handed_offR: "handed off", low_confidenceR: "low confidence", not_helpfulR: "not helpful",
      switchLang: "中文"
    },
    zh: {
      brand: "HR 助手数据洞察", navAdmin: "知识库管理", title: "员工在问什么",
      privacy: "仅显示汇总数据和已脱敏的问题文本，绝不显示提问人。", checking: "正在确认登录状态…",
      pasteToken: "粘贴内网令牌（JWT）：", useToken: "使用令牌", filters: "筛选", from: "开始日期", to: "结束日期",
      channel: "渠道", language: "语言", all: "全部", web: "网页", apply: "应用", overview: "概览",
      notSignedIn: "尚未登录。请在演示页面登录（E1003 是 HR 管理员）或粘贴令牌。",
      denied: "当前登录用户 {id} 不是 HR 管理员，无权访问。", signedIn: "已登录：{id}（HR 管理员）。",
      loading: "正在加载…", loaded: "{from} 至 {to} 的数据。", suppressed: "已隐藏：该时段使用此渠道的人数少于 {n} 人。",
      failed: "加载失败：{msg}", csv: "下载 CSV", chartOf: "图表：{title}。旁边的表格列出相同数据。",
      conversations: "会话数", messages: "消息数", deflection: "无需 HR 即解答", feedbackRatio: "评为有帮助",
      handoffs: "转人工", medianReply: "HR 首次响应时间（中位数）", none: "–", minutes: "{n} 分钟",
      sDaily: "每日会话与消息", sChannels: "按渠道", sLanguages: "按语言",
      sPolicy: "政策问题：已解答、未能解答、转人工", sFeedback: "回答评价", sIntents: "最常见意图",
      sTransactions: "业务办理：完成与放弃", sHandoffs: "每日转人工", sHandoffTimes: "HR 首次响应时间",
      day: "日期", messages_en: "英文消息", messages_zh: "中文消息", hidden: "已隐藏（少于 {n} 人）",
      outcome: "结果", questions: "问题数", answered: "已解答", refused: "未能解答", handed_off: "已转人工",
      vote: "评价", answers: "回答数", helpful: "有帮助", not_helpful: "没有帮助", intent: "意图", kind: "业务",
      completed: "已完成", abandoned: "已放弃", in_progress: "进行中", case_id: "工单", created: "转人工时间",
      first_hr_response: "HR 首次响应", waiting: "等待中", lang: "语言", en: "英文", zh: "中文",
      leave_apply: "申请休假", leave_cancel: "撤销休假", leave_approve: "批准休假", leave_reject: "驳回休假",
      course_enrol: "报名课程", course_withdraw: "退选课程",
      gaps: "知识缺口", gapsLead: "文档未能很好解答的问题（未能解答、置信度低或被评为没有帮助），按主题分组。",
      noGaps: "该时段没有未解决的知识缺口。", gapMeta: "{q} 个问题 · {p} 人 · {langs} · {reasons}",
      examples: "问题示例", lastAnswer: "助手的回答", cited: "引用的文档", noneCited: "无",
      reask: "重新提问", reasking: "正在重新提问…", reaskDone: "现在 {m} 个问题中有 {n} 个已能解答。",
      question: "问题", before: "之前", now: "现在", uploadFix: "上传修正文档", uploading: "正在上传并建立索引…",
      uploaded: "已索引 {source}。请重新提问以确认。", resolveWith: "修正文档", resolve: "标记为已解决",
      resolvedOk: "已用 {source} 解决。", resolvedTitle: "已解决", fixedBy: "修正文档", resolvedAt: "解决时间",
      refusedR: "未能解答", handed_offR: "已转人工", low_confidenceR: "置信度低", not_helpfulR: "没有帮助",
      switchLang: "English"
    }
  };
  var params = new URLSearchParams(location.search);
  var lang = params.get("lang") || localStorage.getItem("hrbot:insights_lang") || ((navigator.language || "en").toLowerCase().indexOf("zh") === 0 ? "zh" : "en");
  if (lang !== "zh") lang = "en";
  var token = null;
  var data = null;
  var gapData = null;
  var documents = [];
  var charts = [];
  var COLORS = ["#1f5fbf", "#e07a00", "#2e8b57", "#a4161a", "#6a4c93", "#00838f", "#8d6e63", "#5a6474", "#c2185b", "#827717"];

  function $(id) { return document.getElementById(id); }
  function tr(k, vars) {
    var s = (STR[lang][k] !== undefined ? STR[lang][k] : (STR.en[k] !== undefined ? STR.en[k] : k));
    return String(s).replace(/\{(\w+)\}/g, function (_, v) { return vars && vars[v] !== undefined ? String(vars[v]) : ""; });
  }
  function el(tag, text, cls, attrs) {
    var n = document.createElement(tag);
    if (text !== undefined && text !== null) n.textContent = String(text);
    if (cls) n.className = cls;
    if (attrs) Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    return n;
  }
  function msg(target, text, ok) {
    var box = $(target);
    box.textContent = "";
    if (text) box.appendChild(el("div", text, "msg " + (ok ? "ok" : "err")));
  }
  function errText(res, d) { return (d && d.error && d.error.message) || ("HTTP " + res.status); }
  function call(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (res) { return res.json().catch(function () { return null; }).then(function (d) { return { res: res, data: d }; }); });
  }
  function pct(x) { return x === null || x === undefined ? tr("none") : Math.round(x * 100) + "%"; }
  function label(v) { return STR[lang][v] !== undefined ? tr(v) : (v === null || v === undefined ? "" : String(v)); }

  function query() {
    var q = new URLSearchParams();
    /* no dates until the server said which days it counts in (the users' time zone, not the browser's) */
    if ($("f-from").value) q.set("from", $("f-from").value);
    if ($("f-to").value) q.set("to", $("f-to").value);
    if ($("f-channel").value) q.set("channel", $("f-channel").value);
    if ($("f-lang").value) q.set("lang", $("f-lang").value);
    return q.toString();
  }

  function applyStrings() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.title = tr("brand");
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (n) { n.textContent = tr(n.getAttribute("data-i18n")); });
    var t = $("lang-toggle");
    t.textContent = tr("switchLang");
    t.setAttribute("lang", lang === "zh" ? "en" : "zh");
  }

  /* ------------------------------------------------------------ tables and charts */
  function table(rows, columns, caption) {
    var wrap = el("div", null, "table-wrap");
    var t = el("table", null, "data");
    t.appendChild(el("caption", caption, "sr"));
    var head = el("tr");
    columns.forEach(function (c) { head.appendChild(el("th", tr(c.key), c.num ? "num" : "", { scope: "col" })); });
    var thead = el("thead"); thead.appendChild(head); t.appendChild(thead);
    var body = el("tbody");
    rows.forEach(function (r) {
      var row = el("tr");
      columns.forEach(function (c, i) {
        var v = c.fmt ? c.fmt(r) : r[c.key];
        var cell = el(i === 0 ? "th" : "td", v === null || v === undefined ? "" : v, c.num ? "num" : "", i === 0 ? { scope: "row" } : null);
        if (r.hidden && i > 0) { cell.textContent = tr("hidden", { n: data.min_group }); cell.className = "hidden-group"; }
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
    t.appendChild(body);
    wrap.appendChild(t);
    return wrap;
  }

  function csvButton(section) {
    var b = el("button", tr("csv"), "secondary", { type: "button", "data-csv": section });
    b.addEventListener("click", function () {
      var headers = {};
      if (token) headers.Authorization = "Bearer " + token;
      fetch("/api/admin/insights/export.csv?section=" + section + "&" + query(), { headers: headers })
        .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.blob(); })
        .then(function (blob) {
          var a = el("a", null, null, { href: URL.createObjectURL(blob), download: "insights-" + section + ".csv" });
          document.body.appendChild(a); a.click(); a.remove();
        })
        .catch(function (e) { msg("status", tr("failed", { msg: e.message }), false); });
    });
    return b;
  }

  function section(id, titleKey, chartConfig, rows, columns, csvName) {
    var card = el("section", null, "card", { id: "sec-" + id, "aria-labelledby": "h-" + id });
    var head = el("div", null, "section-head");
    head.appendChild(el("h2", tr(titleKey), null, { id: "h-" + id }));
    if (csvName) head.appendChild(csvButton(csvName));
    card.appendChild(head);
    var split = el("div", null, "split");
    var box = el("div", null, "chart-box");
    var canvas = el("canvas", null, null, { role: "img", "aria-label": tr("chartOf", { title: tr(titleKey) }), "data-chart": id });
    box.appendChild(canvas);
    split.appendChild(box);
    split.appendChild(table(rows, columns, tr(titleKey)));
    card.appendChild(split);
    $("sections").appendChild(card);
    if (window.Chart && chartConfig) {
      chartConfig.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, chartConfig.options || {});
      charts.push(new window.Chart(canvas, chartConfig));
    }
  }

  function ds(labelKey, values, i, extra) {
    return Object.assign({ label: tr(labelKey), data: values, backgroundColor: COLORS[i % COLORS.length], borderColor: COLORS[i % COLORS.length] }, extra || {});
  }

  function render() {
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    $("sections").textContent = "";
    var kpis = $("kpis");
    kpis.textContent = "";
    if (!data) return;
    if (data.suppressed) { msg("status", tr("suppressed", { n: data.min_group }), false); return; }
    msg("status", tr("loaded", { from: data.filters.from, to: data.filters.to }), true);
    var totalConv = data.daily.reduce(function (s, d) { return s + d.conversations; }, 0);
    var totalMsg = data.daily.reduce(function (s, d) { return s + d.messages; }, 0);
    var hs = data.handoff_summary || {};
    [["conversations", totalConv], ["messages", totalMsg], ["deflection", pct(data.deflection)],
     ["feedbackRatio", pct(data.feedback_ratio)], ["handoffs", hs.handoffs || 0],
     ["medianReply", hs.median_minutes === null || hs.median_minutes === undefined ? tr("none") : tr("minutes", { n: hs.median_minutes })]
    ].forEach(function (k) {
      var d = el("div", null, null, { "data-kpi": k[0] });
      d.appendChild(el("dt", tr(k[0]))); d.appendChild(el("dd", k[1]));
      kpis.appendChild(d);
    });
    var days = data.daily.map(function (d) { return d.day; });
    section("daily", "sDaily", {
      type: "bar",
      data: { labels: days, datasets: [
        ds("messages_en", data.daily.map(function (d) { return d.messages_en; }), 0, { stack: "m" }),
        ds("messages_zh", data.daily.map(function (d) { return d.messages_zh; }), 1, { stack: "m" }),
        ds("conversations", data.daily.map(function (d) { return d.conversations; }), 2, { type: "line" })
      ] },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
    }, data.daily, [{ key: "day" }, { key: "conversations", num: true }, { key: "messages", num: true }, { key: "messages_en", num: true }, { key: "messages_zh", num: true }], "daily");
    var shown = data.channels.filter(function (c) { return !c.hidden; });
    section("channels", "sChannels", {
      type: "bar",
      data: { labels: shown.map(function (c) { return label(c.channel); }), datasets: [
        ds("conversations", shown.map(function (c) { return c.conversations; }), 0),
        ds("messages", shown.map(function (c) { return c.messages; }), 1)] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    }, data.channels, [{ key: "channel", fmt: function (r) { return label(r.channel); } }, { key: "conversations", num: true }, { key: "messages", num: true }], "channels");
    section("languages", "sLanguages", {
      type: "doughnut",
      data: { labels: data.languages.map(function (r) { return label(r.lang); }), datasets: [{ data: data.languages.map(function (r) { return r.messages; }), backgroundColor: COLORS.slice(0, 2) }] }
    }, data.languages, [{ key: "lang", fmt: function (r) { return label(r.lang); } }, { key: "conversations", num: true }, { key: "messages", num: true }], "languages");
    section("policy", "sPolicy", {
      type: "doughnut",
      data: { labels: data.policy.map(function (r) { return label(r.outcome); }), datasets: [{ data: data.policy.map(function (r) { return r.questions; }), backgroundColor: ["#2e8b57", "#a4161a", "#e07a00"] }] }
    }, data.policy, [{ key: "outcome", fmt: function (r) { return label(r.outcome); } }, { key: "questions", num: true }], "policy");
    section("feedback", "sFeedback", {
      type: "doughnut",
      data: { labels: data.feedback.map(function (r) { return label(r.vote); }), datasets: [{ data: data.feedback.map(function (r) { return r.answers; }), backgroundColor: ["#2e8b57", "#a4161a"] }] }
    }, data.feedback, [{ key: "vote", fmt: function (r) { return label(r.vote); } }, { key: "answers", num: true }], "feedback");
    section("intents", "sIntents", {
      type: "bar",
      data: { labels: data.intents.map(function (r) { return r.intent; }), datasets: [ds("messages", data.intents.map(function (r) { return r.messages; }), 0)] },
      options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    }, data.intents, [{ key: "intent" }, { key: "messages", num: true }], "intents");
    section("transactions", "sTransactions", {
      type: "bar",
      data: { labels: data.transactions.map(function (r) { return label(r.kind); }), datasets: [
        ds("completed", data.transactions.map(function (r) { return r.completed; }), 2, { stack: "t" }),
        ds("abandoned", data.transactions.map(function (r) { return r.abandoned; }), 3, { stack: "t" }),
        ds("in_progress", data.transactions.map(function (r) { return r.in_progress; }), 7, { stack: "t" })] },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
    }, data.transactions, [{ key: "kind", fmt: function (r) { return label(r.kind); } }, { key: "completed", num: true }, { key: "abandoned", num: true }, { key: "in_progress", num: true }], "transactions");
    section("handoffs", "sHandoffs", {
      type: "bar",
      data: { labels: data.handoffs.map(function (r) { return r.day; }), datasets: [ds("handoffs", data.handoffs.map(function (r) { return r.handoffs; }), 1)] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    }, data.handoffs, [{ key: "day" }, { key: "handoffs", num: true }], "handoffs");
    section("handoff_times", "sHandoffTimes", {
      type: "bar",
      data: { labels: data.handoff_times.map(function (r) { return "#" + r.case_id; }), datasets: [ds("minutes", data.handoff_times.map(function (r) { return r.minutes; }), 5)] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } }
    }, data.handoff_times, [{ key: "case_id", fmt: function (r) { return "#" + r.case_id; } }, { key: "created", fmt: function (r) { return new Date(r.created).toLocaleString(); } },
      { key: "first_hr_response", fmt: function (r) { return r.first_hr_response ? tr("minutes", { n: r.minutes }) : tr("waiting"); } }], "handoff_times");
  }

  function load() {
    msg("status", tr("loading"), true);
    $("apply").disabled = true;
    return call("GET", "/api/admin/insights?" + query()).then(function (r) {
      $("apply").disabled = false;
      if (!r.res.ok) { msg("status", tr("failed", { msg: errText(r.res, r.data) }), false); return; }
      data = r.data;
      $("f-from").value = data.filters.from;
      $("f-to").value = data.filters.to;
      render();
      document.body.setAttribute("data-loaded", "true");
      return loadGaps();
    });
  }

  /* ------------------------------------------------------------ knowledge gaps */
  function sourceHref(source) { return "/knowledge/source/" + String(source).split("/").map(encodeURIComponent).join("/"); }

  function loadGaps() {
    msg("gaps-status", tr("loading"), true);
    return Promise.all([call("GET", "/api/admin/insights/gaps?" + query()), call("GET", "/api/admin/knowledge/documents")]).then(function (rs) {
      if (!rs[0].res.ok) { msg("gaps-status", tr("failed", { msg: errText(rs[0].res, rs[0].data) }), false); return; }
      gapData = rs[0].data;
      documents = rs[1].res.ok ? rs[1].data.documents.map(function (d) { return d.source; }) : [];
      renderGaps();
    });
  }

  function renderGaps() {
    var box = $("gaps");
    box.textContent = "";
    if (!gapData) return;
    msg("gaps-status", gapData.groups.length ? "" : tr("noGaps"), true);
    gapData.groups.forEach(function (g) { box.appendChild(gapCard(g)); });
    var t = $("resolved");
    t.textContent = "";
    t.className = "data";
    var head = el("tr");
    ["question", "questions", "fixedBy", "resolvedAt"].forEach(function (k) { head.appendChild(el("th", tr(k), null, { scope: "col" })); });
    t.appendChild(head);
    gapData.resolved.forEach(function (r) {
      var row = el("tr");
      row.appendChild(el("td", r.label)); row.appendChild(el("td", r.questions, "num"));
      var fix = el("td"); fix.appendChild(el("a", r.fixed_by, null, { href: sourceHref(r.fixed_by), target: "_blank", rel: "noopener" }));
      row.appendChild(fix); row.appendChild(el("td", new Date(r.resolved_at).toLocaleString()));
      t.appendChild(row);
    });
  }

  function gapCard(g) {
    var card = el("article", null, "gap", { "data-gap": g.id });
    card.appendChild(el("h3", g.label));
    var langs = Object.keys(g.languages).map(function (k) { return label(k) + " " + g.languages[k]; }).join(", ");
    var reasons = Object.keys(g.reasons).map(function (k) { return tr(k + "R") + " " + g.reasons[k]; }).join(", ");
    card.appendChild(el("p", tr("gapMeta", { q: g.questions, p: g.people, langs: langs, reasons: reasons }), "meta"));
    card.appendChild(el("h4", tr("examples")));
    var ul = el("ul");
    g.examples.forEach(function (q) { ul.appendChild(el("li", q)); });
    card.appendChild(ul);
    card.appendChild(el("h4", tr("lastAnswer")));
    card.appendChild(el("div", g.last_answer.answer, "answer"));
    var cited = el("p", tr("cited") + ": ");
    if (!g.documents.length) cited.appendChild(document.createTextNode(tr("noneCited")));
    g.documents.forEach(function (d, i) {
      if (i) cited.appendChild(document.createTextNode(", "));
      cited.appendChild(el("a", d.title || d.source, null, { href: sourceHref(d.source), target: "_blank", rel: "noopener" }));
    });
    card.appendChild(cited);

    var actions = el("div", null, "actions");
    var reaskBtn = el("button", tr("reask"), null, { type: "button", "data-action": "reask" });
    var fileLabel = el("label", tr("uploadFix") + " ");
    var file = el("input", null, null, { type: "file", accept: ".md,.markdown,.html,.htm,.pdf,.docx,.txt", "data-action": "upload" });
    fileLabel.appendChild(file);
    var selLabel = el("label", tr("resolveWith") + " ");
    var select = el("select", null, null, { "data-action": "fixed-by" });
    documents.forEach(function (s) { select.appendChild(el("option", s, null, { value: s })); });
    selLabel.appendChild(select);
    var resolveBtn = el("button", tr("resolve"), "secondary", { type: "button", "data-action": "resolve" });
    [reaskBtn, fileLabel, selLabel, resolveBtn].forEach(function (n) { actions.appendChild(n); });
    card.appendChild(actions);
    var status = el("div", null, null, { role: "status", "aria-live": "polite" });
    var out = el("div", null, "table-wrap");
    card.appendChild(status); card.appendChild(out);

    function say(text, ok) { status.textContent = ""; status.appendChild(el("div", text, "msg " + (ok ? "ok" : "err"))); }
    reaskBtn.addEventListener("click", function () {
      reaskBtn.disabled = true;
      say(tr("reasking"), true);
      call("POST", "/api/admin/insights/gaps/reask", { answer_ids: g.answer_ids }).then(function (r) {
        reaskBtn.disabled = false;
        if (!r.res.ok) { say(errText(r.res, r.data), false); return; }
        say(tr("reaskDone", { n: r.data.answered_now, m: r.data.results.length }), true);
        out.textContent = "";
        var t = el("table", null, "data compare", { "data-compare": g.id });
        var head = el("tr");
        ["question", "before", "now"].forEach(function (k) { head.appendChild(el("th", tr(k), null, { scope: "col" })); });
        t.appendChild(head);
        r.data.results.forEach(function (x) {
          var row = el("tr");
          row.appendChild(el("td", x.question));
          [x.before, x.now].forEach(function (a, i) {
            var td = el("td", null, null, { "data-side": i ? "now" : "before", "data-outcome": a.outcome });
            td.appendChild(el("span", label(a.outcome), "tag " + (a.outcome === "answered" ? "ok" : "no")));
            td.appendChild(el("div", a.answer));
            var cites = a.sources.map(function (s) { return (s.title || s.source) + (s.section ? " — " + s.section : ""); })
              .filter(function (c, k, all) { return all.indexOf(c) === k; });
            if (cites.length) td.appendChild(el("div", cites.join("; "), "note"));
            row.appendChild(td);
          });
          t.appendChild(row);
        });
        out.appendChild(t);
      });
    });
    file.addEventListener("change", function () {
      var f = file.files[0];
      if (!f) return;
      say(tr("uploading"), true);
      var fd = new FormData();
      fd.append("file", f, f.name);
      fd.append("replace", "true");
      var headers = {};
      if (token) headers.Authorization = "Bearer " + token;
      fetch("/api/admin/knowledge/documents", { method: "POST", headers: headers, body: fd })
        .then(function (res) { return res.json().catch(function () { return null; }).then(function (d) { return { res: res, data: d }; }); })
        .then(function (r) {
          if (!r.res.ok) { say(errText(r.res, r.data), false); return; }
          if (documents.indexOf(r.data.source) < 0) documents.push(r.data.source);
          if (!Array.prototype.some.call(select.options, function (o) { return o.value === r.data.source; })) select.appendChild(el("option", r.data.source, null, { value: r.data.source }));
          select.value = r.data.source;
          say(tr("uploaded", { source: r.data.source }), true);
        });
    });
    resolveBtn.addEventListener("click", function () {
      if (!select.value) return;
      call("POST", "/api/admin/insights/gaps/resolve", { answer_ids: g.answer_ids, fixed_by: select.value }).then(function (r) {
        if (!r.res.ok) { say(errText(r.res, r.data), false); return; }
        msg("gaps-status", tr("resolvedOk", { source: r.data.fixed_by }), true);
        loadGaps();
      });
    });
    return card;
  }

  /* ------------------------------------------------------------ start */
  function start() {
    call("GET", "/api/admin/me").then(function (r) {
      var who = $("whoami");
      if (r.res.status === 401 || !token) {
        sessionStorage.removeItem("hrbot:admin_token");
        who.textContent = tr("notSignedIn");
        $("token-form").classList.remove("hidden");
        return;
      }
      if (!r.res.ok) { who.textContent = errText(r.res, r.data); return; }
      if (!r.data.is_hr_admin) { who.textContent = tr("denied", { id: r.data.employee_id }); return; }
      who.textContent = tr("signedIn", { id: r.data.employee_id });
      who.setAttribute("data-admin", r.data.employee_id);
      $("insights").classList.remove("hidden");
      load();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    applyStrings();
    if (params.get("from")) $("f-from").value = params.get("from");
    if (params.get("to")) $("f-to").value = params.get("to");
    $("filters").addEventListener("submit", function (e) { e.preventDefault(); load(); });
    $("lang-toggle").addEventListener("click", function () {
      lang = lang === "zh" ? "en" : "zh";
      localStorage.setItem("hrbot:insights_lang", lang);
      applyStrings();
      render();
      renderGaps();
      var who = $("whoami");
      if (who.getAttribute("data-admin")) who.textContent = tr("signedIn", { id: who.getAttribute("data-admin") });
    });
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
