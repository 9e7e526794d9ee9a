// Admin page: the catalogue import. The file goes to the server as it is; the server says what it
// would add, change and remove; applying takes exactly that preview.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const meta = document.querySelector('meta[name="csrf"]');
  const csrf = meta ? meta.content : "";
  let previewId = null;

  function say(text, ok) {
    const box = $("catalogue-status");
    box.textContent = text || "";
    box.className = text ? (ok ? "alert ok" : "alert") : "";
  }

  async function send(path, body) {
    const abort = new AbortController();
    // A province's catalogue is a few MB: a minute is plenty on the centre's network.
    const deadline = setTimeout(() => abort.abort(), 60000);
    try {
      const headers = { "X-CSRF-Token": csrf };
      if (body) headers["Content-Type"] = "application/octet-stream";
      const r = await fetch(path, { method: "POST", headers, body, credentials: "same-origin", signal: abort.signal });
      let data = null;
      try { data = await r.json(); } catch (e) { data = null; }
      if (!r.ok) throw (data && data.message) ? data : { message: "Máy chủ trả lời lỗi " + r.status };
      return data;
    } catch (e) {
      throw e && e.message && !(e instanceof Error) ? e : { message: "Mất kết nối tới máy chủ hoặc quá thời gian, vui lòng thử lại" };
    } finally {
      clearTimeout(deadline);
    }
  }

  $("catalogue-preview").addEventListener("click", async () => {
    const file = $("catalogue-file").files[0];
    $("catalogue-apply").hidden = true;
    $("catalogue-summary").hidden = true;
    previewId = null;
    if (!file) { say("Hãy chọn tệp danh mục (.xlsx hoặc .csv)."); return; }
    say("Đang đọc tệp " + file.name + " (" + Math.ceil(file.size / 1024) + " KB)…", true);
    $("catalogue-preview").disabled = true;
    try {
      const preview = await send("/api/v1/catalogue/previews?name=" + encodeURIComponent(file.name), file);
      previewId = preview.id;
      $("catalogue-summary").textContent = preview.changes.summary;
      $("catalogue-summary").hidden = false;
      const c = preview.changes;
      const nothing = !c.added.length && !c.changed.length && !c.removed.length;
      say(nothing ? "Tệp giống danh mục hiện có, không có gì thay đổi." : "Xem lại thay đổi dưới đây rồi bấm «Áp dụng».", true);
      $("catalogue-apply").hidden = nothing;
    } catch (e) {
      say(e.message);
    } finally {
      $("catalogue-preview").disabled = false;
    }
  });

  $("catalogue-apply").addEventListener("click", async () => {
    if (!previewId) return;
    $("catalogue-apply").disabled = true;
    say("Đang áp dụng…", true);
    try {
      const done = await send("/api/v1/catalogue/previews/" + encodeURIComponent(previewId) + "/apply");
      $("catalogue-summary").textContent = done.summary;
      say("Đã áp dụng danh mục mới; kiosk tìm được ngay.", true);
      $("catalogue-apply").hidden = true;
      previewId = null;
    } catch (e) {
      say(e.message);
    } finally {
      $("catalogue-apply").disabled = false;
    }
  });
})();
