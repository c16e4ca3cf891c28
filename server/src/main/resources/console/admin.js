'use strict';
// Admin console: ssh clients, their routes, links to service consoles, disconnect (POST + CSRF header).
(function () {
  const t = window.tuns;
  const el = t.el;
  const $ = (id) => document.getElementById(id);
  const REFRESH_MS = 5000;

  const SPARK_POINTS = 60; // five minutes of 5 s samples per tunnel
  const history = new Map(); // host -> {last, rates[]}; hosts not seen in a refresh are dropped

  // A destructive action asks first, naming what it will do.
  function button(label, question, action) {
    const b = el('button', { type: 'button', className: 'danger' }, label);
    b.addEventListener('click', async () => {
      if (!window.confirm(question)) return;
      b.disabled = true;
      try {
        const res = await action();
        $('message').textContent = label + ': done.' + (res && res.console ? ' New console link: ' + res.console : '');
      } catch (err) {
        $('message').textContent = label + ' failed: ' + err.message;
      }
      refresh();
    });
    return b;
  }

  function disconnectClient(addr) {
    return t.api('/_sish/api/disconnectclient/' + encodeURIComponent(addr), { method: 'POST' });
  }

  function disconnectRoute(type, route) {
    const b64 = btoa(unescape(encodeURIComponent(route)));
    return t.api('/_sish/api/disconnectroute/' + encodeURIComponent(type) + '/' + encodeURIComponent(b64), { method: 'POST' });
  }

  function consoleLink(url, text) {
    const safe = url ? t.safeUrl(url) : null;
    if (!safe) return el('span', { className: 'muted' }, '—');
    return el('a', { href: safe, target: '_blank', rel: 'noopener noreferrer' }, text);
  }

  function render(data) {
    const clients = Object.values(data.clients || {});
    const rows = $('client-rows');
    const routes = $('route-rows');
    t.clear(rows);
    t.clear(routes);
    $('no-clients').hidden = clients.length > 0;
    for (const c of clients) {
      const r = c.routeListeners || {};
      const http = r.httpListeners || {};
      const tcp = r.listeners || {};
      const aliases = r.tcpAliases || {};
      const consoles = c.consoles || {};
      const count = Object.keys(http).length + Object.keys(tcp).length + Object.keys(aliases).length;
      rows.appendChild(el('tr', null,
        el('td', null, c.remoteAddr),
        el('td', null, c.user),
        el('td', { className: 'muted' }, c.version),
        el('td', { className: 'mono' }, c.pubKeyFingerprint || '—'),
        el('td', null, String(count)),
        el('td', null, uptime(c.uptimeSeconds)),
        el('td', null, button('Disconnect', 'Disconnect ' + c.user + ' at ' + c.remoteAddr + ' and close its ' + count + ' tunnel(s)?',
          () => disconnectClient(c.remoteAddr)))));
      for (const [route, listeners] of Object.entries(http)) {
        const host = route.replace(/^.*@/, '').replace(/\/.*$/, '').replace(/:\d+$/, '').toLowerCase();
        for (const listener of listeners) {
          routes.appendChild(el('tr', null,
            el('td', null, c.remoteAddr), el('td', null, 'HTTP'), el('td', null, route),
            el('td', { className: 'mono' }, listener),
            el('td', null, consoleLink(consoles[host], 'open console')),
            figuresCell(host, (c.figures || {})[host]),
            el('td', null,
              button('Disconnect', 'Close the HTTP tunnel ' + route + '?', () => disconnectRoute('http', listener)),
              button('Rotate link', 'Give ' + host + ' a new console link? The old one stops working.',
                () => t.api('/_sish/api/rotatetoken/' + encodeURIComponent(host), { method: 'POST' })))));
        }
      }
      for (const [addr, listener] of Object.entries(tcp)) {
        routes.appendChild(el('tr', null,
          el('td', null, c.remoteAddr), el('td', null, 'TCP'), el('td', null, addr),
          el('td', { className: 'mono' }, listener), el('td', null, ''), el('td', null, ''),
          el('td', null, button('Disconnect', 'Close the TCP forward ' + addr + '?', () => disconnectRoute('tcp', listener)))));
      }
      for (const [alias, listener] of Object.entries(aliases)) {
        routes.appendChild(el('tr', null,
          el('td', null, c.remoteAddr), el('td', null, 'TCP alias'), el('td', null, alias),
          el('td', { className: 'mono' }, listener), el('td', null, ''), el('td', null, ''),
          el('td', null, button('Disconnect', 'Close the alias ' + alias + '?', () => disconnectRoute('alias', listener)))));
      }
    }
  }

  function uptime(seconds) {
    if (seconds === undefined || seconds === null) return '—';
    const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60);
    return d ? d + 'd ' + h + 'h' : h ? h + 'h ' + m + 'm' : m + 'm ' + (seconds % 60) + 's';
  }

  // Requests/s from two readings of the tunnel's running totals, kept for a small SVG sparkline.
  function sample(host, f) {
    const now = Date.now();
    const h = history.get(host) || { last: null, rates: [] };
    if (h.last && now > h.last.at) h.rates.push((f.requests - h.last.requests) * 1000 / (now - h.last.at));
    if (h.rates.length > SPARK_POINTS) h.rates.shift();
    h.last = { at: now, requests: f.requests };
    history.set(host, h);
    return h.rates;
  }

  function sparkline(rates) {
    const NS = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('viewBox', '0 0 ' + SPARK_POINTS + ' 20');
    svg.setAttribute('preserveAspectRatio', 'none');
    const max = Math.max(1, ...rates);
    const line = document.createElementNS(NS, 'polyline');
    // Few samples are stretched across the box, so a young tunnel shows a line rather than a dot.
    const step = (SPARK_POINTS - 1) / Math.max(1, rates.length - 1);
    line.setAttribute('points', rates.map((r, i) => (i * step).toFixed(1) + ',' + (20 - 19 * r / max).toFixed(1)).join(' '));
    svg.appendChild(line);
    return svg;
  }

  function figuresCell(host, f) {
    if (!f) return el('td', { className: 'muted' }, '—');
    const rates = sample(host, f);
    const rate = rates.length ? rates[rates.length - 1] : 0;
    return el('td', { className: 'figures' },
      sparkline(rates),
      el('span', { title: 'requests per second (last 5 s)' }, rate.toFixed(1) + ' req/s'),
      el('span', { className: 'muted' }, ' · ' + f.requests + ' req · ' + f.errors + ' errors · in ' + t.bytes(f.bytesIn) + ' · out ' + t.bytes(f.bytesOut)
        + ' · captured ' + t.bytes(f.capturedBytes) + ' (' + f.exchanges + ') · ' + f.viewers + ' viewer(s)'));
  }

  async function refresh() {
    try {
      const data = await t.api('/_sish/api/clients');
      const seen = new Set();
      for (const c of Object.values(data.clients || {})) for (const h of Object.keys(c.figures || {})) seen.add(h);
      for (const h of [...history.keys()]) if (!seen.has(h)) history.delete(h);
      render(data);
      $('live').textContent = 'updated ' + new Date().toLocaleTimeString([], { hour12: false });
      $('live').className = 'pill ok';
    } catch (err) {
      $('live').textContent = err.message;
      $('live').className = 'pill bad';
    }
  }

  async function start() {
    try {
      const session = await t.api('/_sish/api/session');
      t.setCsrf(session.csrf);
      $('budget').textContent = 'capture ' + t.bytes(session.limits.capturedBytes) + ' of ' + t.bytes(session.limits.captureBudgetBytes);
    } catch (err) {
      $('live').textContent = err.message;
      return;
    }
    await refresh();
    setInterval(refresh, REFRESH_MS);
  }

  document.addEventListener('DOMContentLoaded', start);
})();
