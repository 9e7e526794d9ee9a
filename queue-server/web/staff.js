// Shared by the staff pages and the board: JSON calls with the session's CSRF token, and the live
// stream with its snapshot. Exposes window.Motcua.
"use strict";
(function () {
  const meta = document.querySelector('meta[name="csrf"]');
  const csrf = meta ? meta.content : "";
  const NAMES = ["snapshot", "ticket_issued", "ticket_called", "ticket_recalled", "ticket_serving", "ticket_done",
    "ticket_no_show", "ticket_rejoined", "ticket_transferred", "ticket_cancelled", "ticket_expired",
    "counter_changed", "service_stats", "rating_submitted", "device_health", "appointment_changed", "day_started"];

  // Calls the API; resolves to {ok, status, body}. Network trouble becomes a Vietnamese message.
  async function api(method, path, body, extra) {
    const headers = Object.assign({ "X-CSRF-Token": csrf }, extra || {});
    if (body !== undefined) headers["Content-Type"] = "application/json";
    // No answer within 15 s counts as none (a half-open connection must not hold the page).
    const abort = new AbortController();
    const deadline = setTimeout(() => abort.abort(), 15000);
    try {
      const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin", signal: abort.signal });
      const text = await r.text();
      clearTimeout(deadline);
      let parsed = null;
      try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
      if (!r.ok && !(parsed && parsed.message)) parsed = { code: "http_" + r.status, message: "Máy chủ trả lời lỗi " + r.status };
      return { ok: r.ok, status: r.status, body: parsed };
    } catch (e) {
      return { ok: false, status: 0, body: { code: "network", message: "Mất kết nối tới máy chủ, vui lòng thử lại" } };
    }
  }

  // Follows the live stream (reconnecting by itself, see live.js): `on(name, data)` for every
  // event and heartbeat; `status(text, ok)` for the connection.
  function live(on, status) {
    return window.MotcuaLive.follow("/api/v1/events", NAMES, on, status);
  }

  function text(tag, content, cls) {
    const el = document.createElement(tag);
    if (content !== undefined && content !== null) el.textContent = content;
    if (cls) el.className = cls;
    return el;
  }

  const STATE = { open: "Đang mở", paused: "Tạm dừng", closed: "Đóng" };
  window.Motcua = { api, live, text, STATE, $: (id) => document.getElementById(id) };
})();
