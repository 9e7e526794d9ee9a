'use strict';
// The public page: every centre's waiting and estimated wait per field, live from the hub.
(function () {
  const main = document.getElementById('centres');
  const status = document.getElementById('status');
  function render(view) {
    status.textContent = 'Cập nhật lúc ' + view.at;
    main.replaceChildren();
    for (const c of view.centres) {
      const box = document.createElement('section');
      box.className = 'centre';
      box.dataset.code = c.code;
      const h = document.createElement('h2');
      h.textContent = c.name;
      box.appendChild(h);
      const p = document.createElement('p');
      p.className = 'muted';
      p.textContent = c.address + (c.stale ? ' — số liệu chưa cập nhật, có thể đã cũ' : '');
      box.appendChild(p);
      const table = document.createElement('table');
      const cap = document.createElement('caption');
      cap.textContent = 'Số người đang chờ tại ' + c.name;
      table.appendChild(cap);
      const thead = table.createTHead();
      const head = thead.insertRow();
      for (const t of ['Lĩnh vực', 'Đang chờ', 'Thời gian chờ dự kiến']) {
        const th = document.createElement('th');
        th.scope = 'col';
        th.textContent = t;
        head.appendChild(th);
      }
      const tbody = table.createTBody();
      for (const f of c.fields) {
        const tr = document.createElement('tr');
        tr.dataset.field = f.code;
        const name = document.createElement('td');
        name.textContent = f.name;
        const waiting = document.createElement('td');
        waiting.className = 'num waiting';
        waiting.textContent = String(f.waiting);
        const est = document.createElement('td');
        est.className = 'num';
        est.textContent = f.estimated_wait_minutes === null || f.estimated_wait_minutes === undefined
          ? (f.counters_open ? '—' : 'Chưa có quầy mở') : 'khoảng ' + f.estimated_wait_minutes + ' phút';
        tr.append(name, waiting, est);
        tbody.appendChild(tr);
      }
      box.appendChild(table);
      main.appendChild(box);
    }
  }
  function connect() {
    const es = new EventSource('/api/v1/public/stream');
    es.addEventListener('view', (e) => render(JSON.parse(e.data)));
    es.onerror = () => {
      status.textContent = 'Mất kết nối; đang kết nối lại…';
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    };
  }
  connect();
})();
