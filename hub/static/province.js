'use strict';
// The province's live view: one line per centre from the hub's stream, troubled ones first.
// Ages come from the server (seconds since the centre's last batch); the browser's clock is not read.
(function () {
  const body = document.querySelector('#centres tbody');
  const status = document.getElementById('status');
  const TROUBLE = { critical: 'Cần xử lý', warning: 'Cần chú ý', ok: 'Bình thường' };
  let open = null;

  function cell(row, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  function age(s) {
    if (s === null || s === undefined) return 'chưa kết nối';
    if (s < 60) return s + ' giây trước';
    if (s < 3600) return Math.floor(s / 60) + ' phút trước';
    return Math.floor(s / 3600) + ' giờ trước';
  }
  function render(view) {
    status.textContent = 'Cập nhật lúc ' + view.at + ' — ' + view.centres.length + ' trung tâm';
    body.replaceChildren();
    for (const c of view.centres) {
      const tr = document.createElement('tr');
      tr.className = c.trouble;
      tr.dataset.code = c.code;
      const name = document.createElement('td');
      const b = document.createElement('button');
      b.className = 'link';
      b.textContent = c.name;
      b.addEventListener('click', () => { open = c.code; detail(); });
      name.appendChild(b);
      const small = document.createElement('div');
      small.className = 'muted';
      small.textContent = c.code;
      name.appendChild(small);
      tr.appendChild(name);
      const t = cell(tr, '');
      const badge = document.createElement('span');
      badge.className = 'badge ' + c.trouble;
      badge.textContent = TROUBLE[c.trouble] || c.trouble;
      t.appendChild(badge);
      cell(tr, String(c.waiting), 'num waiting');
      cell(tr, String(c.longest_wait_minutes), 'num');
      cell(tr, String(c.served_today), 'num served');
      cell(tr, c.satisfied_percent === null ? '—' : String(c.satisfied_percent), 'num');
      const alerts = [];
      if (c.chain) alerts.push(c.chain.message);
      for (const a of c.alerts) alerts.push(a.text);
      cell(tr, alerts.length ? alerts.join(' · ') : '—', 'alerts');
      let link = age(c.uplink.seconds_since);
      if (c.uplink.backlog > 0) link += ', còn ' + c.uplink.backlog + ' sự kiện chưa gửi';
      if (c.uplink.out_of_touch) link += ' (mất liên lạc)';
      cell(tr, link, 'uplink');
      body.appendChild(tr);
    }
    if (open) detail();
  }
  function detail() {
    fetch('/api/v1/province/centres/' + encodeURIComponent(open), { credentials: 'same-origin' })
      .then((r) => r.ok ? r.json() : Promise.reject(r.status))
      .then((d) => {
        document.getElementById('detail').hidden = false;
        document.getElementById('detail-title').textContent = d.summary.name + ' (' + d.summary.code + ')';
        const fields = document.querySelector('#detail-fields tbody');
        const counters = document.querySelector('#detail-counters tbody');
        fields.replaceChildren();
        counters.replaceChildren();
        const o = d.overview || { fields: [], counters: [] };
        for (const f of o.fields) {
          const tr = document.createElement('tr');
          cell(tr, f.name);
          cell(tr, String(f.waiting), 'num');
          cell(tr, String(f.longest_wait_minutes), 'num');
          cell(tr, f.average_wait_minutes === null || f.average_wait_minutes === undefined ? '—' : String(f.average_wait_minutes), 'num');
          cell(tr, String(f.served_today), 'num');
          cell(tr, String(f.counters_open), 'num');
          fields.appendChild(tr);
        }
        const STATE = { open: 'Đang mở', paused: 'Tạm dừng', closed: 'Đóng' };
        for (const c of o.counters) {
          const tr = document.createElement('tr');
          cell(tr, c.name);
          cell(tr, (STATE[c.state] || c.state) + (c.pause_reason ? ' — ' + c.pause_reason : ''));
          cell(tr, c.officer || '—');
          cell(tr, c.current ? String(c.current.number) : '—', 'num');
          cell(tr, String(c.served_today), 'num');
          counters.appendChild(tr);
        }
      })
      .catch(() => { status.textContent = 'Không tải được chi tiết trung tâm.'; });
  }
  function connect() {
    const es = new EventSource('/api/v1/province/stream');
    es.addEventListener('view', (e) => render(JSON.parse(e.data)));
    es.addEventListener('unavailable', () => { status.textContent = 'Cơ sở dữ liệu của tỉnh tạm thời không sẵn sàng; đang thử lại…'; });
    es.onerror = () => {
      status.textContent = 'Mất kết nối với máy chủ tỉnh; đang kết nối lại…';
      // A proxy's 502 closes the stream for good: open a new one.
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    };
  }
  connect();
})();
