// Waiting-room board: counters and their numbers, the latest calls, waiting per field, the centre's
// clock (from the server's heartbeats, never the TV's own clock or zone), and each call announced
// aloud: one at a time, in order, each clip to its end. A call is spoken after the chime
// (call.wav); when speech cannot be had (no espeak-ng on the server, a failed request) the chime
// alone is played for it. Browsers that block sound until a tap get a button, and the calls wait.
"use strict";
(function () {
  const { live, text, $ } = window.Motcua;
  const player = $("player");
  const CHIME = "/api/v1/announcements/chime.wav";
  const FRESH_MS = 12000;
  // A clip that has not started playing after this long (speech is made on the server, up to 20 s)
  // counts as failed; one that stalls after starting is given its length and a margin.
  const START_MS = 25000;
  const MARGIN_MS = 10000;
  let counters = [];
  let services = [];
  // Counter number → performance.now() until which its tile is highlighted (a duration, not a time).
  const fresh = new Map();
  const recent = [];
  // Calls waiting to be announced, oldest first, and the record of every announcement made: the
  // page's own audio queue, which tests read (`window.boardAudio`).
  const waiting = [];
  const announced = [];
  window.boardAudio = { waiting, announced };
  let busy = false;
  let blocked = false;
  // After a reconnect the stream replays the calls missed meanwhile: shown, but not spoken.
  let connections = 0;
  let quietUntil = 0;

  function renderCounters() {
    const box = $("counters");
    box.replaceChildren();
    const now = performance.now();
    counters.forEach((c) => {
      const tile = text("div", null, "tile");
      tile.dataset.counter = c.number;
      const t = c.current;
      tile.append(text("div", c.name, "name"), text("div", t ? t.number : "—", "number"),
        text("div", t ? t.service_name_vi : (c.state === "paused" ? "Tạm dừng" : c.state === "closed" ? "Chưa mở" : "Đang chờ gọi"), "field"));
      // A transferred ticket keeps its number: say where it came from, so its holder trusts the call.
      if (t && t.transferred_from) tile.append(text("div", "chuyển từ " + t.transferred_from, "moved"));
      if (!t) tile.classList.add("idle");
      if ((fresh.get(c.number) || 0) > now) tile.classList.add("fresh");
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

  // Plays one clip on the player to its end. Resolves with how much of it played; rejects with the
  // error when it cannot be played. Settles once, whatever order the element's events come in.
  function play(url) {
    return new Promise((resolve, reject) => {
      let settled = false;
      let deadline = null;
      const settle = (ok, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        player.removeEventListener("ended", onEnded);
        player.removeEventListener("error", onError);
        player.removeEventListener("playing", onPlaying);
        if (ok) resolve(value); else reject(value);
      };
      const onEnded = () => settle(true, { played: player.currentTime, duration: player.duration });
      const onError = () => settle(false, player.error || new Error("audio"));
      const onPlaying = () => {
        clearTimeout(deadline);
        const left = (isFinite(player.duration) ? player.duration - player.currentTime : 15) * 1000;
        deadline = setTimeout(() => { player.pause(); settle(true, { played: player.currentTime, duration: player.duration }); }, left + MARGIN_MS);
      };
      player.addEventListener("ended", onEnded);
      player.addEventListener("error", onError);
      player.addEventListener("playing", onPlaying);
      deadline = setTimeout(() => { player.pause(); settle(false, new Error("timeout")); }, START_MS);
      player.src = url;
      player.play().catch((e) => settle(false, e));
    });
  }

  const refused = (e) => e && e.name === "NotAllowedError";

  // Announces the waiting calls one after another. Only this loop touches the player, and it starts
  // a clip only when the previous one has ended or failed, so no call cuts another.
  async function drain() {
    if (busy || blocked) return;
    busy = true;
    while (waiting.length && !blocked) {
      const call = waiting[0];
      $("speaking").textContent = "Mời công dân có số thứ tự " + call.number + " đến quầy số " + call.counter;
      $("speaking").hidden = false;
      let how = "speech";
      let outcome = null;
      try {
        outcome = await play(call.url);
      } catch (e) {
        if (refused(e)) { blocked = true; break; }
        how = "chime";
        try {
          outcome = await play(CHIME);
        } catch (e2) {
          if (refused(e2)) { blocked = true; break; }
          how = "none";
        }
      }
      waiting.shift();
      announced.push({ number: call.number, counter: call.counter, how,
        played: outcome ? outcome.played : 0, duration: outcome ? outcome.duration : 0 });
    }
    if (blocked) $("sound").hidden = false;
    if (!waiting.length) $("speaking").hidden = true;
    busy = false;
  }

  $("sound").addEventListener("click", () => {
    $("sound").hidden = true;
    player.muted = false;
    blocked = false;
    drain();
  });

  function called(ticket, counter) {
    fresh.set(counter, performance.now() + FRESH_MS);
    recent.unshift({ number: ticket.number, counter });
    recent.length = Math.min(recent.length, 20);
    if (performance.now() >= quietUntil) {
      waiting.push({ number: ticket.number, counter,
        url: "/api/v1/announcements/call.wav?number=" + ticket.number + "&counter=" + counter });
      drain();
    }
    renderRecent();
    setTimeout(renderCounters, FRESH_MS + 100);
  }

  live((name, data) => {
    if (name === "heartbeat") {
      $("clock").textContent = data.time.slice(0, 5) + " · " + data.date_vi;
      return;
    }
    if (name === "snapshot") {
      counters = data.counters; services = data.services;
      if (!recent.length) {
        counters.filter((c) => c.current && c.current.called_at)
          .sort((a, b) => (a.current.called_at < b.current.called_at ? 1 : -1))
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
    $("live").classList.toggle("down", !ok);
    if (ok && ++connections > 1) quietUntil = performance.now() + 2000;
  });
})();
