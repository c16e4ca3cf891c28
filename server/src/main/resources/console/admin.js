'use strict';
// Admin console: ssh clients, their routes, links to service consoles, disconnect (POST + CSRF header).
(function () {
  const t = window.tuns;
  const el = t.el;
  const $ = (id) => document.getElementById(id);
  const REFRESH_MS = 5000;

  const SPARK_POINTS = 60; // five minutes of 5 s samples per client and per tunnel
  // 'client <addr>' or 'tunnel <listener>' -> {last, rates}; keys not seen in a refresh are dropped
  const history = new Map();

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
        clientFigures(c),
        el('td', null, button('Disconnect', 'Disconnect ' + c.user + ' at ' + c.remoteAddr + ' and close its ' + count + ' tunnel(s)?',
          () => disconnectClient(c.remoteAddr)))));
      for (const [route, listeners] of Object.entries(http)) {
        const host = route.replace(/^.*@/, '').replace(/\/.*$/, '').replace(/:\d+$/, '').toLowerCase();
        for (const listener of listeners) {
          routes.appendChild(el('tr', null,
            el('td', null, c.remoteAddr), el('td', null, 'HTTP'), el('td', null, route),
            el('td', { className: 'mono' }, listener),
            el('td', null, consoleLink(consoles[host], 'open console')),
            tunnelFigures(listener, (c.channels || {})[listener], host, (c.figures || {})[host]),
            el('td', null,
              button('Disconnect', 'Close the HTTP tunnel ' + route + '?', () => disconnectRoute('http', listener)),
              button('Rotate link', 'Give ' + host + ' a new console link? The old one stops working.',
                () => t.api('/_sish/api/rotatetoken/' + encodeURIComponent(host), { method: 'POST' })))));
        }
      }
      for (const [addr, listener] of Object.entries(tcp)) {
        routes.appendChild(el('tr', null,
          el('td', null, c.remoteAddr), el('td', null, 'TCP'), el('td', null, addr),
          el('td', { className: 'mono' }, listener), el('td', null, ''),
          tunnelFigures(listener, (c.channels || {})[listener], null, null),
          el('td', null, button('Disconnect', 'Close the TCP forward ' + addr + '?', () => disconnectRoute('tcp', listener)))));
      }
      for (const [alias, listener] of Object.entries(aliases)) {
        routes.appendChild(el('tr', null,
          el('td', null, c.remoteAddr), el('td', null, 'TCP alias'), el('td', null, alias),
          el('td', { className: 'mono' }, listener), el('td', null, ''),
          tunnelFigures(listener, (c.channels || {})[listener], null, null),
          el('td', null, button('Disconnect', 'Close the alias ' + alias + '?', () => disconnectRoute('alias', listener)))));
      }
    }
  }

  function uptime(seconds) {
    if (seconds === undefined || seconds === null) return '—';
    const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60);
    return d ? d + 'd ' + h + 'h' : h ? h + 'h ' + m + 'm' : m + 'm ' + (seconds % 60) + 's';
  }

  // Rates from two readings of running totals (requests, bytes in, bytes out), kept per key for sparklines.
  const RATED = ['requests', 'bytesIn', 'bytesOut'];
  function sample(key, totals) {
    const now = Date.now();
    const h = history.get(key) || { last: null, rates: { requests: [], bytesIn: [], bytesOut: [] } };
    for (const k of RATED) {
      const series = h.rates[k];
      if (h.last && now > h.last.at && totals[k] !== undefined) {
        // a counter that went down (history dropped and begun again) restarts at zero, never a negative rate
        series.push(Math.max(0, totals[k] - h.last[k]) * 1000 / (now - h.last.at));
      }
      if (series.length > SPARK_POINTS) series.shift();
    }
    h.last = { at: now, requests: totals.requests, bytesIn: totals.bytesIn, bytesOut: totals.bytesOut };
    history.set(key, h);
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

  // One live figure: its sparkline and the latest rate, e.g. "3.2 req/s" or "in 12.0 KiB/s".
  function spark(kind, series, text, title) {
    return el('span', { className: 'spark-item', title: title, dataset: { figure: kind } }, sparkline(series), text);
  }

  function last(series) {
    return series.length ? series[series.length - 1] : 0;
  }

  function sparks(rates, withRequests) {
    const items = [];
    if (withRequests) {
      items.push(spark('req', rates.requests, last(rates.requests).toFixed(1) + ' req/s', 'requests per second (last 5 s)'));
    }
    items.push(spark('in', rates.bytesIn, 'in ' + t.bytes(Math.round(last(rates.bytesIn))) + '/s',
      'bytes per second towards the ssh client: visitors\' requests (last 5 s)'));
    items.push(spark('out', rates.bytesOut, 'out ' + t.bytes(Math.round(last(rates.bytesOut))) + '/s',
      'bytes per second from the ssh client: its services\' responses (last 5 s)'));
    return items;
  }

  // An ssh client: requests/s, bytes in/out, open channels, captured bytes, errors and uptime, all its tunnels together.
  function clientFigures(c) {
    const f = c.traffic;
    if (!f) return el('td', { className: 'muted' }, '—');
    const rates = sample('client ' + c.remoteAddr, f);
    return el('td', { className: 'figures' }, ...sparks(rates, true),
      el('span', { className: 'muted' }, ' · ' + f.openChannels + ' open channel(s) · ' + f.requests + ' req · '
        + f.errors + ' errors · in ' + t.bytes(f.bytesIn) + ' · out ' + t.bytes(f.bytesOut)
        + ' · captured ' + t.bytes(f.capturedBytes) + ' · up ' + uptime(f.uptimeSeconds)));
  }

  // One tunnel: an HTTP tunnel's figures come from its history (bodies, kept across a same-key reconnect); every
  // tunnel also has its channels and bytes on this connection.
  function tunnelFigures(listener, channels, host, f) {
    if (!f && !channels) return el('td', { className: 'muted' }, '—');
    const ch = channels || { openChannels: 0, bytesIn: 0, bytesOut: 0 };
    const rates = sample('tunnel ' + listener, { requests: f ? f.requests : 0, bytesIn: ch.bytesIn, bytesOut: ch.bytesOut });
    const parts = [ch.openChannels + ' open channel(s)'];
    if (f) {
      parts.push(f.requests + ' req', f.errors + ' errors', 'bodies in ' + t.bytes(f.bytesIn) + ' · out ' + t.bytes(f.bytesOut),
        'captured ' + t.bytes(f.capturedBytes) + ' (' + f.exchanges + ')', f.viewers + ' viewer(s)');
    } else {
      parts.push('in ' + t.bytes(ch.bytesIn), 'out ' + t.bytes(ch.bytesOut));
    }
    parts.push('up ' + uptime(ch.uptimeSeconds));
    return el('td', { className: 'figures' }, ...sparks(rates, !!f), el('span', { className: 'muted' }, ' · ' + parts.join(' · ')));
  }

  // The governor's figures (--memory-budget): the budget, what holds it by kind, and what it refused.
  function renderMemory(m) {
    const kinds = Object.entries(m.inUse).filter(([, v]) => v > 0).map(([k, v]) => k.replace('_', ' ') + ' ' + t.bytes(v));
    const head = m.enforced
      ? t.bytes(m.inUseBytes) + ' of ' + t.bytes(m.budgetBytes) + ' budget in use (' + Math.round(100 * m.inUseBytes / m.budgetBytes) + ' %)'
      : t.bytes(m.inUseBytes) + ' in use, budget off (--memory-budget=off)';
    const state = m.full ? 'full: channels paused' : m.pressure ? 'under pressure: windows shrink' : 'ok';
    $('memory').textContent = head + ' · ' + state + (kinds.length ? ' · ' + kinds.join(' · ') : '')
      + ' · refused ' + m.refusalsTotal;
    $('memory').className = m.full ? 'pill bad' : m.pressure ? 'pill warn' : 'muted';
  }

  async function refresh() {
    try {
      renderMemory(await t.api('/_sish/api/memory'));
      const data = await t.api('/_sish/api/clients');
      const seen = new Set();
      for (const c of Object.values(data.clients || {})) {
        seen.add('client ' + c.remoteAddr);
        for (const l of c.listeners || []) seen.add('tunnel ' + l);
      }
      for (const k of [...history.keys()]) if (!seen.has(k)) history.delete(k);
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
