// Ticket page: shows the ticket, then follows its own live stream; no reload needed.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const id = document.body.dataset.ticket;
  const STATUS = {
    waiting: "Đang chờ đến lượt", called: "Đã đến lượt", serving: "Đang được phục vụ", done: "Đã phục vụ xong",
    no_show: "Đã gọi nhưng quý khách vắng mặt", cancelled: "Phiếu đã hủy", expired: "Phiếu đã hết hiệu lực",
  };

  function render(t) {
    $("error").hidden = true;
    $("service").textContent = t.service_name_vi + (t.transferred_from ? " (chuyển từ " + t.transferred_from + ", giữ nguyên số)" : "");
    $("number").textContent = t.number;
    $("status").textContent = STATUS[t.status] || t.status;
    const called = (t.status === "called" || t.status === "serving") && t.counter;
    $("called").hidden = !called;
    $("counter").textContent = called ? "Quầy " + t.counter : "";
    const waiting = t.status === "waiting" && t.position !== null && t.position !== undefined;
    $("waiting").hidden = !waiting;
    if (waiting) {
      $("position").textContent = t.position === 0 ? "Quý khách là người tiếp theo" : t.position + " người";
      // No estimate: no counter serves the field now (all paused or closed).
      $("wait").textContent = (t.estimated_wait_minutes === null || t.estimated_wait_minutes === undefined)
        ? "chưa xác định (chưa có quầy phục vụ lĩnh vực này)"
        : "khoảng " + t.estimated_wait_minutes + " phút";
    }
    if (t.status === "no_show" && t.rejoin_until) {
      // rejoin_until is RFC 3339 in the centre's zone: its HH:MM is the centre's time as written.
      $("status").textContent += ". Quý khách có thể quay lại hàng chờ tại kiosk trước " + t.rejoin_until.slice(11, 16) + ".";
    }
    document.title = t.number + " — " + (STATUS[t.status] || "");
  }

  function fail(message) {
    const box = $("error");
    box.textContent = message;
    box.hidden = false;
  }

  // The ticket's own stream, reconnecting by itself; its heartbeats carry the centre's time, so
  // "Cập nhật lúc" is the server's clock in the centre's zone, never this phone's.
  function follow() {
    let lastBeat = "";
    window.MotcuaLive.follow("/api/v1/tickets/" + encodeURIComponent(id) + "/live", ["ticket"], (name, data) => {
      if (name === "ticket") render(data);
      else if (name === "heartbeat") {
        lastBeat = data.time;
        $("live").textContent = "Đang theo dõi trực tiếp · cập nhật lúc " + data.time;
      }
    }, (text, ok) => {
      if (!ok) $("live").textContent = text + (lastBeat ? " (số liệu lúc " + lastBeat + ")" : "");
    });
  }

  // The ticket first (an unknown ticket is said so at once); if the server cannot be reached now,
  // the live stream brings the ticket as soon as it can.
  // No answer within 15 s counts as none (a half-open connection must not hold the page).
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 15000);
  fetch("/api/v1/tickets/" + encodeURIComponent(id), { signal: abort.signal })
    .then((r) => r.json().then((body) => ({ status: r.status, body })))
    .then(({ status, body }) => {
      if (status === 400 || status === 404) { $("service").textContent = ""; fail(body.message || "Không tìm thấy phiếu."); return; }
      if (status === 200) render(body);
      follow();
    })
    .catch(() => follow());
})();
