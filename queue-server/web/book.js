// Booking page: field → day → slot → hold → details → confirmation with code and QR.
// Every server refusal carries a Vietnamese message, shown as is.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const state = { services: [], service: null, day: null, hold: null, timer: null, verify: false };

  function showError(message) {
    const box = $("error");
    box.textContent = message || "";
    box.hidden = !message;
    if (message) box.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  async function call(method, url, body) {
    let response;
    // No answer within 15 s counts as none: the citizen is told and may try again.
    const abort = new AbortController();
    const deadline = setTimeout(() => abort.abort(), 15000);
    try {
      response = await fetch(url, {
        method,
        headers: body ? { "Content-Type": "application/json" } : {},
        body: body ? JSON.stringify(body) : undefined,
        signal: abort.signal,
      });
    } catch (e) {
      clearTimeout(deadline);
      throw { code: "offline", message: "Không kết nối được máy chủ của trung tâm. Vui lòng kiểm tra mạng và thử lại." };
    }
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    clearTimeout(deadline);
    if (!response.ok) {
      throw data && data.message ? data : { code: "http_" + response.status, message: "Máy chủ chưa xử lý được yêu cầu, vui lòng thử lại." };
    }
    return data;
  }

  function button(label, sub, onClick, disabled) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (sub) {
      const s = document.createElement("span");
      s.className = "sub";
      s.textContent = sub;
      b.appendChild(s);
    }
    b.disabled = !!disabled;
    b.setAttribute("aria-pressed", "false");
    b.addEventListener("click", onClick);
    return b;
  }

  function press(container, chosen) {
    for (const b of container.querySelectorAll("button")) b.setAttribute("aria-pressed", b === chosen ? "true" : "false");
  }

  function show(step) {
    for (const id of ["step-day", "step-slot", "step-details", "step-done"]) {
      const order = ["step-day", "step-slot", "step-details", "step-done"];
      $(id).hidden = order.indexOf(id) > order.indexOf(step);
    }
    if (step === "step-done") {
      for (const id of ["step-service", "step-day", "step-slot", "step-details"]) $(id).hidden = true;
      $("step-done").hidden = false;
    }
  }

  async function loadServices() {
    try {
      const data = await call("GET", "/api/v1/appointments/services");
      state.services = data.services;
      state.verify = !!data.verify_phone;
      $("loading").textContent = data.services.length
        ? "Chọn lĩnh vực cần giao dịch. Chỗ được giữ " + data.hold_minutes + " phút trong khi quý khách nhập thông tin."
        : "Hiện chưa có lĩnh vực nào nhận đặt lịch.";
      const list = $("services");
      list.textContent = "";
      for (const s of data.services) {
        const left = s.days.reduce((n, d) => n + d.places_left, 0);
        const closed = s.days.find((d) => d.closed_reason);
        const note = (left ? "Còn " + left + " chỗ trong " + s.days.length + " ngày tới" : "Đã hết chỗ") + (closed ? ". " + closed.closed_reason : "");
        const b = button(s.name_vi, note, () => chooseService(s, b), !left);
        b.dataset.code = s.code;
        list.appendChild(b);
      }
    } catch (e) {
      $("loading").textContent = "";
      showError(e.message);
    }
  }

  // A hold the citizen no longer wants (another slot, day or field) is given back at once, so the
  // place is free for others and this phone's share of holds is not spent. Best effort: a hold
  // not given back lapses on its own.
  async function releaseHold() {
    const held = state.hold;
    state.hold = null;
    clearInterval(state.timer);
    if (!held || held.status !== "held") return;
    try { await call("POST", "/api/v1/appointments/" + encodeURIComponent(held.code) + "/release"); } catch (e) { /* lapses on its own */ }
  }

  function chooseService(service, b) {
    showError("");
    releaseHold();
    state.service = service;
    press($("services"), b);
    const days = $("days");
    days.textContent = "";
    for (const d of service.days) {
      const db = button(d.label, d.closed_reason || (d.places_left ? "Còn " + d.places_left + " chỗ" : "Không còn chỗ"), () => chooseDay(d, db), !d.places_left);
      db.dataset.date = d.date;
      days.appendChild(db);
    }
    show("step-day");
    $("step-day").scrollIntoView({ block: "start", behavior: "smooth" });
  }

  // `message`: why the day's slots are shown again (a refused pick, a hold run out), kept on screen;
  // `keep`: the hold already had stays (a refused pick of another time does not lose it).
  async function chooseDay(day, b, message, keep) {
    showError(message || "");
    if (!keep) await releaseHold();
    state.day = day;
    press($("days"), b);
    const slots = $("slots");
    slots.textContent = "";
    $("slots-note").textContent = "Đang tải khung giờ…";
    show("step-slot");
    try {
      const data = await call("GET", "/api/v1/appointments/slots?service=" + encodeURIComponent(state.service.code) + "&date=" + encodeURIComponent(day.date));
      const open = data.slots.filter((s) => s.left > 0).length;
      $("slots-note").textContent = open ? "Khung " + state.service.slot_minutes + " phút. Dưới mỗi giờ là số chỗ còn trống; chọn giờ khác bất cứ lúc nào." : "Ngày này đã hết khung giờ trống, mời chọn ngày khác.";
      for (const s of data.slots) {
        const sb = button(s.time, s.left ? "Còn " + s.left + " chỗ" : "Hết chỗ", () => chooseSlot(s, sb), !s.left);
        sb.dataset.start = s.start;
        sb.dataset.full = s.left ? "0" : "1";
        if (keep && state.hold && state.hold.slot === s.start) {
          sb.disabled = true;
          const sub = sb.querySelector(".sub");
          if (sub) sub.textContent = "Đang giữ cho quý khách";
        }
        slots.appendChild(sb);
      }
      // The time still held keeps its details form open.
      if (keep && state.hold) show("step-details");
      if (message) showError(message); else $("step-slot").scrollIntoView({ block: "start", behavior: "smooth" });
    } catch (e) {
      $("slots-note").textContent = "";
      showError(e.message);
    }
  }

  function reloadDay(message, keep) {
    if (state.day) chooseDay(state.day, $("days").querySelector("[data-date='" + state.day.date + "']"), message, keep);
    else showError(message);
  }

  async function chooseSlot(slot, b) {
    showError("");
    press($("slots"), b);
    for (const x of $("slots").querySelectorAll("button")) x.disabled = true;
    // The new time is asked for first and the hold already had given back only once it is granted,
    // so a refused pick (taken meanwhile) does not lose the time held. At the phone's limit of
    // holds, the old one is given back first and the new asked again.
    const old = state.hold && state.hold.status === "held" ? state.hold : null;
    const ask = () => call("POST", "/api/v1/appointments/holds", { service: state.service.code, slot: slot.start });
    let fresh;
    try {
      try {
        fresh = await ask();
      } catch (e) {
        if (e.code !== "too_many_holds" || !old) throw e;
        await releaseHold();
        fresh = await ask();
      }
    } catch (e) {
      // The day's slots again, with the reason kept on screen and the time held still held.
      reloadDay(e.message, true);
      return;
    }
    if (old && state.hold === old) await releaseHold();
    state.hold = fresh;
    try {
      // Another time may be picked straight away; the one held shows one place fewer.
      for (const x of $("slots").querySelectorAll("button")) x.disabled = x.dataset.full === "1";
      b.disabled = true;
      if (slot.left > 0) {
        const sub = b.querySelector(".sub");
        if (sub) sub.textContent = "Đang giữ cho quý khách";
      }
      startCountdown();
      $("verify-box").hidden = !state.verify;
      $("otp").value = "";
      $("send-code").textContent = "Gửi mã xác nhận";
      $("send-code").disabled = false;
      $("verify-note").textContent = "Trung tâm gửi mã 6 chữ số tới số điện thoại trên để xác nhận lịch hẹn.";
      show("step-details");
      $("step-details").scrollIntoView({ block: "start", behavior: "smooth" });
      $("name").focus();
    } catch (e) {
      // The day's slots again, with the reason kept on screen.
      reloadDay(e.message);
    }
  }

  // The hold counts down from the seconds the server said were left, measured with the page's own
  // monotonic timer: a phone's clock or zone being off changes nothing. When the page comes back
  // from the background the server is asked again.
  function startCountdown() {
    clearInterval(state.timer);
    const secondsLeft = state.hold.hold_seconds_left || 0;
    const started = performance.now();
    const tick = () => {
      const left = Math.max(0, Math.ceil(secondsLeft - (performance.now() - started) / 1000));
      const mm = String(Math.floor(left / 60)).padStart(2, "0"), ss = String(left % 60).padStart(2, "0");
      if (!left) {
        // Run out: the day's slots again, saying why.
        $("held").textContent = "Đã hết thời gian giữ chỗ.";
        clearInterval(state.timer);
        state.hold = null;
        reloadDay("Đã hết thời gian giữ chỗ, khung giờ chưa được đặt. Mời chọn lại khung giờ.");
        return;
      }
      $("held").textContent = "Đang giữ chỗ " + state.hold.time + " ngày " + state.hold.date + " (" + state.hold.service_name_vi + ") trong " + mm + ":" + ss + ".";
    };
    tick();
    state.timer = setInterval(tick, 1000);
  }

  document.addEventListener("visibilitychange", async () => {
    if (document.visibilityState !== "visible" || !state.hold || $("step-details").hidden) return;
    try {
      const fresh = await call("GET", "/api/v1/appointments/" + encodeURIComponent(state.hold.code));
      if (fresh.status === "held") { state.hold = fresh; startCountdown(); }
    } catch (e) { /* the countdown goes on; confirming will tell */ }
  });

  // The details form without a live hold (given back when the page was left): pick a slot again.
  function noHold() {
    if (state.hold) return false;
    reloadDay("Chỗ đã chọn không còn được giữ. Mời chọn lại khung giờ.");
    return true;
  }

  async function confirm(event) {
    event.preventDefault();
    showError("");
    if (noHold()) return;
    const button = $("confirm");
    button.disabled = true;
    button.textContent = "Đang xác nhận…";
    const body = { name: $("name").value, phone: $("phone").value };
    if ($("cid").value.trim()) body.citizen_id = $("cid").value;
    if (state.verify) body.verification_code = $("otp").value.trim();
    try {
      const booking = await call("POST", "/api/v1/appointments/" + encodeURIComponent(state.hold.code) + "/confirm", body);
      clearInterval(state.timer);
      state.hold = null;
      done(booking);
    } catch (e) {
      showError(e.message);
      if (e.code === "verification_void") $("otp").value = "";
      if (e.code === "hold_expired") {
        state.hold = null;
        reloadDay(e.message);
      }
    } finally {
      button.disabled = false;
      button.textContent = "Xác nhận đặt lịch";
    }
  }

  // The one-time code goes to the phone typed above; the page never sees it.
  async function sendCode() {
    showError("");
    if (noHold()) return;
    const b = $("send-code");
    b.disabled = true;
    try {
      const sent = await call("POST", "/api/v1/appointments/" + encodeURIComponent(state.hold.code) + "/verify", { phone: $("phone").value });
      $("verify-note").textContent = "Đã gửi mã tới số " + sent.phone + ". Nhập mã nhận được vào ô dưới đây" +
        (sent.sends_left ? " (có thể gửi lại " + sent.sends_left + " lần)." : ".");
      b.textContent = "Gửi lại mã";
      b.disabled = !sent.sends_left;
      $("otp").focus();
    } catch (e) {
      showError(e.message);
      b.disabled = e.code === "verification_sends_spent";
    }
  }

  function done(b) {
    $("code").textContent = b.code;
    $("qr").src = "/api/v1/appointments/" + encodeURIComponent(b.code) + "/qr.svg";
    const summary = $("summary");
    summary.textContent = "";
    for (const [k, v] of [["Lĩnh vực", b.service_name_vi], ["Ngày", b.date], ["Giờ hẹn", b.time], ["Người đến", b.name], ["Điện thoại", b.phone]]) {
      const dt = document.createElement("dt"); dt.textContent = k;
      const dd = document.createElement("dd"); dd.textContent = v || "";
      summary.append(dt, dd);
    }
    $("instructions").textContent = "Khi đến trung tâm, quét mã QR hoặc nhập mã " + b.code + " tại kiosk từ " + b.checkin_from + " đến " + b.checkin_until + " để nhận số thứ tự được ưu tiên theo giờ hẹn. Vui lòng chụp lại màn hình này.";
    show("step-done");
    window.scrollTo({ top: 0, behavior: "smooth" });
  }

  async function cancel(event) {
    event.preventDefault();
    const out = $("cancel-result");
    out.textContent = "";
    try {
      const b = await call("POST", "/api/v1/appointments/" + encodeURIComponent($("cancel-code").value.trim()) + "/cancel", { phone: $("cancel-phone").value });
      out.className = "alert ok";
      out.textContent = "Đã hủy lịch hẹn " + b.code + " lúc " + b.time + " ngày " + b.date + ".";
    } catch (e) {
      out.className = "alert";
      out.textContent = e.message;
    }
  }

  // Leaving the page gives the hold back. A page kept by the browser and shown again finds its
  // hold gone and offers the day's slots again.
  window.addEventListener("pagehide", () => {
    if (!state.hold || state.hold.status !== "held") return;
    navigator.sendBeacon("/api/v1/appointments/" + encodeURIComponent(state.hold.code) + "/release");
    state.hold = null;
    clearInterval(state.timer);
    state.released = true;
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted || !state.released || !state.day) return;
    state.released = false;
    reloadDay("Chỗ đã chọn được trả lại khi quý khách rời trang. Mời chọn lại khung giờ.");
  });

  $("details").addEventListener("submit", confirm);
  $("send-code").addEventListener("click", sendCode);
  $("cancel-form").addEventListener("submit", cancel);
  $("again").addEventListener("click", () => window.location.reload());
  loadServices();
})();
