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
    $("service").textContent = t.service_name_vi;
    $("number").textContent = t.number;
    $("status").textContent = STATUS[t.status] || t.status;
    const called = (t.status === "called" || t.status === "serving") && t.counter;
    $("called").hidden = !called;
    $("counter").textContent = called ? "Quầy " + t.counter : "";
    const waiting = t.status === "waiting" && t.position !== null && t.position !== undefined;
    $("waiting").hidden = !waiting;
    if (waiting) {
      $("position").textContent = t.position === 0 ? "Quý khách là người tiếp theo" : t.position + " người";
      $("wait").textContent = "khoảng " + (t.estimated_wait_minutes || 0) + " phút";
    }
    if (t.status === "no_show" && t.rejoin_until) {
      $("status").textContent += ". Quý khách có thể quay lại hàng chờ tại kiosk trước " + t.rejoin_until.slice(11, 16) + ".";
    }
    document.title = t.number + " — " + (STATUS[t.status] || "");
  }

  function fail(message) {
    const box = $("error");
    box.textContent = message;
    box.hidden = false;
  }

  function follow() {
    const source = new EventSource("/api/v1/tickets/" + encodeURIComponent(id) + "/live");
    source.addEventListener("ticket", (e) => {
      try { render(JSON.parse(e.data)); } catch (err) { return; }
      $("live").textContent = "Cập nhật lúc " + new Date().toLocaleTimeString("vi-VN");
    });
    source.addEventListener("open", () => { $("live").textContent = "Đang theo dõi trực tiếp"; });
    source.addEventListener("error", () => {
      $("live").textContent = "Mất kết nối, đang thử kết nối lại…";
    });
  }

  fetch("/api/v1/tickets/" + encodeURIComponent(id))
    .then((r) => r.json().then((body) => ({ ok: r.ok, body })))
    .then(({ ok, body }) => {
      if (!ok) { $("service").textContent = ""; fail(body.message || "Không tìm thấy phiếu."); return; }
      render(body);
      follow();
    })
    .catch(() => fail("Không kết nối được máy chủ của trung tâm. Vui lòng kiểm tra mạng."));
})();
