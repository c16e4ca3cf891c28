'use strict';
// Admin console: ssh clients, their routes, links to service consoles, disconnect (POST + CSRF header).
(function () {
  const t = window.tuns;
  const el = t.el;
  const $ = (id) => document.getElementById(id);
  const REFRESH_MS = 5000;

  function button(label, action) {
    const b = el('button', { type: 'button', className: 'danger' }, label);
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        await action();
        $('message').textContent = label + ': done.';
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
        el('td', null, button('Disconnect', () => disconnectClient(c.remoteAddr)))));
      for (const [route, listeners] of Object.entries(http)) {
        const host = route.replace(/^.*@/, '').replace(/\/.*$/, '').replace(/:\d+$/, '').toLowerCase();
        for (const listener of listeners) {
          routes.appendChild(el('tr', null,
            el('td', null, c.remoteAddr), el('td', null, 'HTTP'), el('td', null, route),
            el('td', { className: 'mono' }, listener),
            el('td', null, consoleLink(consoles[host], 'open console')),
            el('td', null, button('Disconnect', () => disconnectRoute('http', listener)))));
        }
      }
      for (const [addr, listener] of Object.entries(tcp)) {
        routes.appendChild(el('tr', null,
          el('td', null, c.remoteAddr), el('td', null, 'TCP'), el('td', null, addr),
          el('td', { className: 'mono' }, listener), el('td', null, ''),
          el('td', null, button('Disconnect', () => disconnectRoute('tcp', listener)))));
      }
      for (const [alias, listener] of Object.entries(aliases)) {
        routes.appendChild(el('tr', null,
          el('td', null, c.remoteAddr), el('td', null, 'TCP alias'), el('td', null, alias),
          el('td', { className: 'mono' }, listener), el('td', null, ''),
          el('td', null, button('Disconnect', () => disconnectRoute('alias', listener)))));
      }
    }
  }

  async function refresh() {
    try {
      render(await t.api('/_sish/api/clients'));
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
