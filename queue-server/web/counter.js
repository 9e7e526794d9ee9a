// Counter console: take a counter, follow its queue live, act with buttons or single keys.
"use strict";
(function () {
  const { api, live, text, STATE, $ } = window.Motcua;
  let me = null;
  let counters = [];
  let services = [];
  let refreshing = null;

  function say(message, ok) {
    const box = $("msg");
    box.textContent = message;
    box.className = ok ? "alert ok" : "alert";
    box.hidden = !message;
  }

  function mine() { return counters.find((c) => me && c.number === me.counter); }

  function renderPicker() {
    $("pick").hidden = false;
    $("console").hidden = true;
    const box = $("counters");
    box.replaceChildren();
    counters.forEach((c) => {
      const b = text("button", c.name);
      b.append(text("span", STATE[c.state] + " · " + c.services.join(", "), "sub"));
      b.addEventListener("click", () => take(c.number));
      box.append(b);
    });
  }

  function renderCounter() {
    const c = mine();
    if (!c) return;
    $("pick").hidden = true;
    $("console").hidden = false;
    $("title").textContent = c.name;
    $("counter-name").textContent = c.name;
    const state = $("counter-state");
    state.textContent = STATE[c.state];
    state.className = "pill " + c.state;
    $("pause-reason").textContent = c.pause_reason ? "(" + c.pause_reason + ")" : "";
    $("act-pause").firstChild.textContent = c.state === "paused" ? "Tiếp tục" : "Tạm dừng";
    const t = c.current;
    $("current-number").textContent = t ? t.number : "—";
    $("current-info").textContent = t
      ? t.service_name_vi + (t.transferred_from ? " (chuyển từ " + t.transferred_from + ")" : "") + " · " +
        (t.status === "serving" ? "đang phục vụ" : "đã gọi" + (t.recalls ? " (gọi lại " + t.recalls + " lần)" : ""))
      : "Chưa gọi số nào";
    if (!t) $("current-reason").textContent = "";
    const select = $("transfer-to");
    if (!select.options.length && services.length) {
      services.forEach((s) => select.append(new Option(s.code + " — " + s.name_vi, s.code)));
    }
  }

  async function refreshQueue() {
    const c = mine();
    if (!c) return;
    const r = await api("GET", "/api/v1/counters/" + c.number + "/queue");
    if (!r.ok) { say(r.body.message); return; }
    const q = r.body;
    const list = $("queue");
    list.replaceChildren();
    $("waiting-count").textContent = q.waiting.length + " người";
    q.waiting.slice(0, 30).forEach((t) => {
      const li = text("li", t.number + " · " + t.service_name_vi + (t.priority ? " · ưu tiên" : "") +
        (t.transferred_from ? " · chuyển từ " + t.transferred_from : "") +
        (t.appointment_at ? " · hẹn " + t.appointment_at.slice(11, 16) : "") + " · lấy số " + t.issued_at.slice(11, 16));
      if (q.next && q.next.ticket === t.id) { li.className = "next"; li.title = q.next.reason.text; li.prepend("▶ "); }
      list.append(li);
    });
    if (!q.waiting.length) list.append(text("li", "Không có ai đang chờ", "muted"));
    $("rejoin-box").hidden = !q.rejoinable.length;
    const rejoin = $("rejoin");
    rejoin.replaceChildren();
    q.rejoinable.forEach((t) => {
      const li = text("li", t.number + " · " + t.service_name_vi + " ");
      const b = text("button", "Gọi số này");
      b.addEventListener("click", () => act("call", { ticket: t.id }));
      li.append(b);
      rejoin.append(li);
    });
  }

  function queueSoon() {
    clearTimeout(refreshing);
    refreshing = setTimeout(refreshQueue, 120);
  }

  async function take(number) {
    const r = await api("POST", "/api/v1/staff/counter", { counter: number });
    if (!r.ok) { say(r.body.message); return; }
    me = r.body;
    say("");
    const list = await api("GET", "/api/v1/counters");
    if (list.ok) counters = list.body;
    renderCounter();
    refreshQueue();
  }

  const PATHS = { next: "next", recall: "recall", serve: "serve", done: "done", noshow: "no-show", call: "call",
    transfer: "transfer", pause: "pause", open: "open" };

  // One action at a time; each carries its own key, and a request that got no answer is sent again
  // once with the same key, so a lost answer never calls a second citizen.
  let acting = false;
  function newKey() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return "console-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function act(what, body) {
    const c = mine();
    if (!c || acting) return;
    acting = true;
    document.querySelectorAll(".actions button").forEach((b) => { b.disabled = true; });
    const path = "/api/v1/counters/" + c.number + "/" + PATHS[what];
    const key = newKey();
    let r;
    try {
      r = await api("POST", path, body, { "Idempotency-Key": key });
      if (r.status === 0) r = await api("POST", path, body, { "Idempotency-Key": key });
    } finally {
      acting = false;
      document.querySelectorAll(".actions button").forEach((b) => { b.disabled = false; });
    }
    if (!r.ok) { say(r.body.message); return; }
    if (r.status === 204) { say("Không còn công dân nào đang chờ ở các lĩnh vực của quầy", true); return; }
    say("");
    if ((what === "next" || what === "call") && r.body.reason) {
      $("current-reason").textContent = "Lý do chọn số: " + r.body.reason.text;
    }
  }

  const ACTIONS = {
    next: () => act("next"), recall: () => act("recall"), serve: () => act("serve"), done: () => act("done"),
    noshow: () => act("noshow"),
    transfer: () => { $("transfer-form").hidden = false; $("transfer-to").focus(); },
    pause: () => {
      const c = mine();
      if (c && c.state === "paused") { act("open"); return; }
      $("pause-form").hidden = false; $("pause-reason-input").focus();
    },
  };
  Object.keys(ACTIONS).forEach((k) => $("act-" + k).addEventListener("click", ACTIONS[k]));
  $("transfer-form").addEventListener("submit", (e) => {
    e.preventDefault(); $("transfer-form").hidden = true; act("transfer", { service: $("transfer-to").value });
  });
  $("pause-form").addEventListener("submit", (e) => {
    e.preventDefault(); $("pause-form").hidden = true; act("pause", { reason: $("pause-reason-input").value.trim() });
  });
  document.querySelectorAll("[data-cancel]").forEach((b) => b.addEventListener("click", () => { b.form.hidden = true; }));
  $("leave").addEventListener("click", async () => {
    const r = await api("POST", "/api/v1/staff/counter", { counter: null });
    if (r.ok) { me = r.body; renderPicker(); }
  });
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.altKey || e.metaKey || $("console").hidden) return;
    const tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea") {
      if (e.key === "Escape") e.target.form.hidden = true;
      return;
    }
    const button = document.querySelector('.actions button[data-key="' + e.key.toLowerCase() + '"]');
    if (button) { e.preventDefault(); button.click(); }
  });

  live((name, data) => {
    if (name === "heartbeat") return;
    if (name === "snapshot") { counters = data.counters; services = data.services; }
    else if (name === "counter_changed") {
      counters = counters.map((c) => (c.number === data.counter.number ? data.counter : c));
    } else if (name === "service_stats") { services = data.services; }
    else if (data.ticket && data.counter) {
      // Called, recalled, serving, done, absent: the counter's current ticket as it is now.
      const ended = name === "ticket_done" || name === "ticket_no_show";
      counters = counters.map((c) => (c.number === data.counter ? { ...c, current: ended ? null : data.ticket } : c));
    } else if (name === "ticket_transferred") {
      counters = counters.map((c) => (c.current && c.current.id === data.ticket.id ? { ...c, current: null } : c));
    }
    if (me && me.counter) { renderCounter(); if (name !== "service_stats") queueSoon(); }
    else if (name === "snapshot" && me) renderPicker();
  }, (status) => { $("live").textContent = status; });

  api("GET", "/api/v1/staff/me").then((r) => {
    if (!r.ok) { say(r.body.message); return; }
    me = r.body;
    if (me.counter) { renderCounter(); refreshQueue(); } else if (counters.length) renderPicker();
  });
})();
