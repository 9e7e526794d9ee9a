// Waiting-room board: counters and their numbers, the latest calls, waiting per field, and each
// call spoken aloud (one at a time, chime first; browsers that block sound until a tap get a button).
"use strict";
(function () {
  const { live, text, $ } = window.Motcua;
  const player = $("player");
  let counters = [];
  let services = [];
  const fresh = new Map();
  const recent = [];
  const queue = [];
  let playing = false;
  // After a reconnect the stream replays the calls missed meanwhile: shown, but not spoken.
  let connections = 0;
  let quietUntil = 0;

  function renderCounters() {
    const box = $("counters");
    box.replaceChildren();
    counters.forEach((c) => {
      const tile = text("div", null, "tile");
      tile.dataset.counter = c.number;
      const t = c.current;
      tile.append(text("div", c.name, "name"), text("div", t ? t.number : "—", "number"),
        text("div", t ? t.service_name_vi : (c.state === "paused" ? "Tạm dừng" : c.state === "closed" ? "Chưa mở" : "Đang chờ gọi"), "field"));
      if (!t) tile.classList.add("idle");
      if ((fresh.get(c.number) || 0) > Date.now()) tile.classList.add("fresh");
      box.append(tile);
    });
  }

  function renderRecent() {
    const list = $("recent");
    list.replaceChildren();
    recent.slice(0, 7).forEach((r) => {
      const li = text("li");
      li.append(text("b", r.number), text("span", "→ Quầy " + r.counter));
      list.append(li);
    });
  }

  function renderFields() {
    const box = $("fields");
    box.replaceChildren();
    services.filter((s) => s.waiting > 0 || s.counters_open > 0).forEach((s) => {
      const chip = text("span", s.name_vi);
      chip.dataset.service = s.code;
      chip.append(text("b", s.waiting));
      box.append(chip);
    });
  }

  function speak() {
    if (playing || !queue.length) return;
    const call = queue[0];
    playing = true;
    $("speaking").textContent = "Mời công dân có số thứ tự " + call.number + " đến quầy số " + call.counter;
    $("speaking").hidden = false;
    player.src = call.url;
    player.play().then(() => { queue.shift(); $("sound").hidden = true; }).catch((e) => {
      playing = false;
      if (e && e.name === "NotAllowedError") { $("sound").hidden = false; return; }
      queue.shift();
      if (call.url.indexOf("chime") < 0) queue.unshift({ ...call, url: "/api/v1/announcements/chime.wav" });
      setTimeout(speak, 0);
    });
  }

  player.addEventListener("ended", () => { playing = false; $("speaking").hidden = true; speak(); });
  player.addEventListener("error", () => {
    // Speech could not be made (or fetched): the chime alone, the text stays on screen.
    const call = queue.shift();
    playing = false;
    if (call && call.url.indexOf("chime") < 0) queue.unshift({ ...call, url: "/api/v1/announcements/chime.wav" });
    speak();
  });
  $("sound").addEventListener("click", () => { $("sound").hidden = true; player.muted = false; speak(); });

  function called(ticket, counter) {
    fresh.set(counter, Date.now() + 12000);
    recent.unshift({ number: ticket.number, counter });
    recent.length = Math.min(recent.length, 20);
    if (Date.now() >= quietUntil) {
      queue.push({ number: ticket.number, counter,
        url: "/api/v1/announcements/call.wav?number=" + ticket.number + "&counter=" + counter });
      speak();
    }
    renderRecent();
    setTimeout(renderCounters, 12100);
  }

  live((name, data) => {
    if (name === "snapshot") {
      counters = data.counters; services = data.services;
      if (!recent.length) {
        counters.filter((c) => c.current && c.current.called_at)
          .sort((a, b) => Date.parse(b.current.called_at) - Date.parse(a.current.called_at))
          .forEach((c) => recent.push({ number: c.current.number, counter: c.number }));
        renderRecent();
      }
    } else if (name === "counter_changed") {
      counters = counters.map((c) => (c.number === data.counter.number ? data.counter : c));
    } else if (name === "service_stats") {
      services = data.services;
    } else if (name === "ticket_called" || name === "ticket_recalled") {
      counters = counters.map((c) => (c.number === data.counter ? { ...c, current: data.ticket } : c));
      called(data.ticket, data.counter);
    } else {
      return;
    }
    renderCounters();
    renderFields();
  }, (status, ok) => {
    $("live").textContent = ok ? "" : status;
    if (ok && ++connections > 1) quietUntil = Date.now() + 2000;
  });

  // The centre's time, whatever zone the TV is set to.
  const zone = $("clock").dataset.zone || undefined;
  function tick() {
    const now = new Date();
    $("clock").textContent = now.toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: zone }) + " · " +
      now.toLocaleDateString("vi-VN", { weekday: "long", day: "2-digit", month: "2-digit", year: "numeric", timeZone: zone });
  }
  tick();
  setInterval(tick, 10000);
})();
