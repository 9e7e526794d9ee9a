// Live streams that recover by themselves, for every page that follows one (board, counter
// console, supervisor, ticket page). A browser's EventSource gives up for good when an answer is
// not 200 (a proxy's 502 page while the server restarts) and can hang on a dead network without
// noticing; so any error, or three heartbeats of silence, closes the stream and a new one is opened
// after a short back-off (0.5 s doubling to 3 s, with jitter so a room of phones does not reconnect
// at once). The new stream resumes after the last event id when the server still has it, else it
// starts with a snapshot: either way the page is brought up to date without a reload.
// Exposes window.MotcuaLive.follow(url, names, on, status).
"use strict";
(function () {
  const HEARTBEAT = "heartbeat";
  const FIRST_DELAY = 500;
  const MAX_DELAY = 3000;

  // Follows `url`: `on(name, data)` for each event named in `names` and for every heartbeat (the
  // server's clock); `status(text, ok)` whenever the connection comes up or is lost.
  function follow(url, names, on, status) {
    let source = null;
    let lastId = "";
    let delay = FIRST_DELAY;
    let silence = 10000;
    let watchdog = null;
    let retry = null;
    let up = false;
    let stopped = false;
    const say = (text, ok) => { if (status) status(text, ok); };

    function arm() {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => lost(), silence);
    }

    function received(name, e) {
      arm();
      if (e.lastEventId) lastId = e.lastEventId;
      if (!up) {
        up = true;
        delay = FIRST_DELAY;
        say("Đang cập nhật trực tiếp", true);
      }
      let data;
      try { data = JSON.parse(e.data); } catch (err) { return; }
      if (name === HEARTBEAT && data.every_seconds > 0) silence = data.every_seconds * 3000 + 1000;
      on(name, data);
    }

    function open() {
      if (stopped) return;
      const resume = lastId ? (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(lastId) : "";
      source = new EventSource(url + resume);
      arm();
      names.concat([HEARTBEAT]).forEach((name) => source.addEventListener(name, (e) => received(name, e)));
      source.addEventListener("error", () => lost());
    }

    function lost() {
      clearTimeout(watchdog);
      if (source) { source.close(); source = null; }
      if (stopped || retry) return;
      up = false;
      say("Mất kết nối, đang kết nối lại…", false);
      const wait = delay * (0.75 + Math.random() * 0.5);
      delay = Math.min(delay * 2, MAX_DELAY);
      retry = setTimeout(() => { retry = null; open(); }, wait);
    }

    open();
    return {
      close() {
        stopped = true;
        clearTimeout(watchdog);
        clearTimeout(retry);
        if (source) source.close();
      },
    };
  }

  window.MotcuaLive = { follow };
})();
