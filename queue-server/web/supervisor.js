// Supervisor dashboard: the overview, refreshed on every live event (waiting counts at once) and
// every 30 s for alerts that come with time (long waits, silent kiosks).
"use strict";
(function () {
  const { api, live, text, STATE, $ } = window.Motcua;
  const SVG = "http://www.w3.org/2000/svg";
  const PRINTER = { ready: "Sẵn sàng", paper_near_end: "Sắp hết giấy", paper_out: "Hết giấy", cover_open: "Mở nắp", offline: "Không phản hồi" };
  let pending = null;

  function svg(tag, attrs, content) {
    const el = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach((k) => el.setAttribute(k, attrs[k]));
    if (content !== undefined) el.textContent = content;
    return el;
  }

  // Vertical bars: groups of values (one colour per series, named in `names`) under labels. The
  // chart's text alternative lists every number, for screen readers.
  function bars(box, title, labels, series, colours, names) {
    const width = 560, height = 180, pad = 22;
    const max = Math.max(1, ...series.flat());
    const said = labels.length
      ? labels.map((label, i) => label + ": " + series.map((values, s) => (names[s] ? names[s] + " " : "") + values[i]).join(", ")).join("; ")
      : "chưa có số liệu";
    const chart = svg("svg", { viewBox: "0 0 " + width + " " + height, class: "chart", role: "img", "aria-label": title + " — " + said });
    const slot = (width - pad) / Math.max(1, labels.length);
    const bar = Math.max(3, (slot - 6) / series.length);
    labels.forEach((label, i) => {
      series.forEach((values, s) => {
        const h = (values[i] / max) * (height - 2 * pad);
        const x = pad + i * slot + 3 + s * bar;
        const rect = svg("rect", { x, y: height - pad - h, width: bar - 1, height: h, fill: colours[s] });
        rect.append(svg("title", {}, label + ": " + values[i]));
        chart.append(rect);
        if (values[i] > 0) chart.append(svg("text", { x: x + bar / 2 - 1, y: height - pad - h - 3, "text-anchor": "middle" }, values[i]));
      });
      chart.append(svg("text", { x: pad + i * slot + slot / 2, y: height - 6, "text-anchor": "middle" }, label));
    });
    chart.append(svg("line", { x1: pad, x2: width, y1: height - pad, y2: height - pad, stroke: "#9aa3ad" }));
    box.replaceChildren(chart);
  }

  function row(cells, numeric) {
    const tr = text("tr");
    cells.forEach((c, i) => {
      const td = text("td", null, numeric.includes(i) ? "num" : "");
      if (c instanceof Node) td.append(c); else td.textContent = c;
      tr.append(td);
    });
    return tr;
  }

  function render(o) {
    const alerts = $("alerts");
    alerts.replaceChildren();
    $("alert-count").textContent = o.alerts.length;
    $("alert-count").className = "pill" + (o.alerts.length ? " bad" : "");
    if (!o.alerts.length) alerts.append(text("p", "Không có cảnh báo. Mọi lĩnh vực đang trong ngưỡng.", "muted"));
    o.alerts.forEach((a) => {
      const box = text("div", null, "alert " + a.severity);
      box.dataset.rule = a.rule;
      box.append(text("b", a.text), text("p", "Đề xuất: " + a.action, "action"));
      alerts.append(box);
    });
    const waiting = o.fields.reduce((n, f) => n + f.waiting, 0);
    $("kpi-waiting").textContent = waiting;
    $("kpi-served").textContent = o.fields.reduce((n, f) => n + f.served_today, 0);
    const s = o.satisfaction;
    $("kpi-satisfied").textContent = s.satisfied_percent === null || s.satisfied_percent === undefined ? "—" : s.satisfied_percent + "%";
    $("kpi-ratings").textContent = s.total + " lượt đánh giá";
    $("kpi-devices").textContent = o.devices.filter((d) => d.online).length + "/" + o.devices.length;

    const fields = $("fields").tBodies[0];
    fields.replaceChildren();
    o.fields.forEach((f) => {
      const intake = text("div", null, "intake");
      if (f.intake_closed) {
        intake.append(text("span", "Ngừng nhận: " + f.intake_closed, "pill paused"), " ");
        const b = text("button", "Mở lại");
        b.addEventListener("click", () => intakeOpen(f.code));
        intake.append(b);
      } else {
        const b = text("button", "Ngừng nhận số");
        b.addEventListener("click", () => intakeAsk(f));
        intake.append(b);
      }
      const tr = row([f.name, f.waiting, f.longest_wait_minutes + " phút",
        f.average_wait_minutes === null || f.average_wait_minutes === undefined ? "—" : f.average_wait_minutes + " phút",
        f.served_today, f.counters_open, intake], [1, 2, 3, 4, 5]);
      tr.dataset.field = f.code;
      fields.append(tr);
    });
    const counters = $("counters").tBodies[0];
    counters.replaceChildren();
    o.counters.forEach((c) => {
      const state = text("span", STATE[c.state] + (c.pause_reason ? " — " + c.pause_reason : ""), "pill " + c.state);
      counters.append(row([c.name, c.officer || "—", state, c.current ? c.current.number : "—", c.served_today], [3, 4]));
    });
    bars($("chart-hours"), "Đến và được phục vụ theo giờ", o.hours.map((h) => h.hour + "h"),
      [o.hours.map((h) => h.arrivals), o.hours.map((h) => h.served)], ["#5b8def", "#1e7b34"], ["lấy số", "đã phục vụ"]);
    bars($("chart-waits"), "Phân bố thời gian chờ", o.waits.map((w) => w.label), [o.waits.map((w) => w.count)], ["#b3261e"], [""]);
    bars($("chart-satisfaction"), "Mức độ hài lòng hôm nay", s.levels.map((l) => l.label), [s.levels.map((l) => l.count)], ["#9a5b00"], [""]);
    const devices = $("devices").tBodies[0];
    devices.replaceChildren();
    o.devices.forEach((d) => {
      const printer = d.report.printer ? PRINTER[d.report.printer] || d.report.printer : "—";
      devices.append(row([d.device + (d.online ? "" : " (mất kết nối)"), printer, d.last_contact.slice(11, 16)], []));
    });
    if (!o.devices.length) devices.append(row(["Chưa có thiết bị nào báo trạng thái", "", ""], []));
    $("live").textContent = "Số liệu lúc " + o.at.slice(11, 19);
  }

  // A field's intake: closed with a reason citizens see, opened again with one click.
  let intakeCode = null;
  function intakeAsk(f) {
    intakeCode = f.code;
    $("intake-field").textContent = f.name;
    $("intake-form").hidden = false;
    $("intake-reason").focus();
  }
  async function intakeOpen(code) {
    const r = await api("POST", "/api/v1/services/" + encodeURIComponent(code) + "/intake/open");
    if (!r.ok) { $("error").textContent = r.body.message; $("error").hidden = false; }
    refresh();
  }
  $("intake-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = await api("POST", "/api/v1/services/" + encodeURIComponent(intakeCode) + "/intake/close", { reason: $("intake-reason").value });
    if (!r.ok) { $("error").textContent = r.body.message; $("error").hidden = false; return; }
    $("intake-form").hidden = true;
    $("intake-reason").value = "";
    refresh();
  });
  $("intake-form").querySelector("[data-cancel]").addEventListener("click", () => { $("intake-form").hidden = true; });

  // Overdue dossiers without an apology: each gets the form, then leaves the list.
  let apologyCode = null;
  let overdueSeen = null;
  function day(rfc) { return rfc ? rfc.slice(8, 10) + "/" + rfc.slice(5, 7) + "/" + rfc.slice(0, 4) : ""; }
  async function overdue() {
    const r = await api("GET", "/api/v1/supervisor/overdue-dossiers");
    if (!r.ok) return;
    // Redrawn only when it changed, so a button being pressed stays where it is.
    const seen = JSON.stringify(r.body);
    if (seen === overdueSeen) return;
    overdueSeen = seen;
    const body = $("overdue").tBodies[0];
    body.replaceChildren();
    $("overdue-count").textContent = r.body.length;
    r.body.forEach((d) => {
      const tr = row([d.receipt_code, d.procedure_name, d.applicant, day(d.due_at), d.days_late], [4]);
      tr.dataset.code = d.receipt_code;
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = d.apologised_before ? "Xin lỗi lần nữa" : "Ghi thư xin lỗi";
      button.addEventListener("click", () => {
        apologyCode = d.receipt_code;
        $("apology-code").textContent = d.receipt_code;
        $("apology-form").hidden = false;
        $("apology-reason").focus();
      });
      const cell = document.createElement("td");
      cell.append(button);
      tr.append(cell);
      body.append(tr);
    });
    if (!r.body.length) body.append(row(["Không có hồ sơ quá hạn nào chưa có thư xin lỗi", "", "", "", "", ""], []));
  }
  $("apology-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const path = "/api/v1/dossiers/" + encodeURIComponent(apologyCode) + "/apology";
    const r = await api("POST", path, { reason: $("apology-reason").value, new_due: $("apology-date").value });
    if (!r.ok) { $("error").textContent = r.body.message; $("error").hidden = false; return; }
    $("error").hidden = true;
    $("apology-form").hidden = true;
    $("apology-reason").value = "";
    const done = $("apology-done");
    done.replaceChildren("Đã ghi thư xin lỗi hồ sơ " + r.body.receipt_code + (r.body.notified ? "; tin nhắn đã vào hàng gửi. " : ". "));
    const link = document.createElement("a");
    link.href = path + ".pdf";
    link.textContent = "Tải thư (PDF, A5) để in";
    done.append(link);
    done.hidden = false;
    overdue();
  });
  $("apology-form").querySelector("[data-cancel]").addEventListener("click", () => { $("apology-form").hidden = true; });

  async function refresh() {
    const r = await api("GET", "/api/v1/supervisor/overview");
    if (!r.ok) { $("error").textContent = r.body.message; $("error").hidden = false; return; }
    $("error").hidden = true;
    render(r.body);
  }

  function soon() { clearTimeout(pending); pending = setTimeout(refresh, 250); }

  live((name, data) => {
    if (name === "heartbeat") return;
    if (name === "service_stats") {
      // The waiting count moves at once; the rest follows with the refreshed overview.
      const total = data.services.reduce((n, s) => n + s.waiting, 0);
      $("kpi-waiting").textContent = total;
      data.services.forEach((s) => {
        const tr = document.querySelector('#fields tr[data-field="' + s.code + '"]');
        if (tr) tr.cells[1].textContent = s.waiting;
      });
    }
    soon();
  }, (status) => { $("live").textContent = status; });
  // The uplink to the provincial hub: how much of the log waits to be shipped, and why.
  async function uplink() {
    const r = await api("GET", "/api/v1/supervisor/uplink");
    if (!r.ok || !r.body.configured) { $("uplink-card").hidden = true; return; }
    const u = r.body;
    $("uplink-card").hidden = false;
    let state;
    if (u.error) state = "Chưa gửi được: " + u.error + " Còn " + u.backlog + " sự kiện chờ gửi; trung tâm vẫn làm việc bình thường.";
    else if (u.backlog > 0) state = "Đang gửi: còn " + u.backlog + " sự kiện.";
    else state = "Đã gửi đủ nhật ký lên tỉnh.";
    if (u.chain_break_id !== null && u.chain_break_id !== undefined) {
      state += " Máy chủ tỉnh báo nhật ký bị sửa hoặc xoá từ sự kiện số " + u.chain_break_id + ".";
    }
    $("uplink-state").textContent = state;
    $("uplink-detail").textContent = "Máy chủ tỉnh: " + u.hub + " — mã đơn vị " + u.unit_code +
      " — đã nhận đến sự kiện số " + u.acked_id + (u.last_ok ? " — lần nhận cuối " + u.last_ok : "");
  }

  refresh();
  overdue();
  uplink();
  setInterval(refresh, 30000);
  setInterval(uplink, 5000);
  // Dossiers become overdue as days pass, not with queue events: looked at every minute.
  setInterval(overdue, 60000);
})();
