'use strict';
// Shared helpers for the tuns consoles. Every captured value is put on the page with textContent or as a
// form value: never as HTML, so markup in a captured header or body stays inert text.
(function () {
  const tuns = {};
  let csrf = '';

  tuns.setCsrf = function (value) { csrf = value || ''; };

  // el('td', {className: 'x'}, 'text', childNode) builds an element; strings become text nodes.
  tuns.el = function (tag, props, ...children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (k === 'dataset') { Object.assign(node.dataset, v); } else { node[k] = v; }
      }
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return node;
  };

  tuns.clear = function (node) { while (node.firstChild) node.removeChild(node.firstChild); };

  tuns.api = async function (path, options) {
    const opts = Object.assign({ credentials: 'same-origin', headers: {} }, options || {});
    if (opts.method && opts.method !== 'GET') opts.headers['x-tuns-csrf'] = csrf;
    const res = await fetch(path, opts);
    let body = null;
    const type = res.headers.get('content-type') || '';
    if (type.indexOf('json') >= 0) body = await res.json();
    if (!res.ok) {
      const msg = body && body.error ? body.error : ('HTTP ' + res.status);
      const err = new Error(msg);
      err.status = res.status;
      throw err;
    }
    return body;
  };

  tuns.bytes = function (n) {
    if (n === null || n === undefined) return '';
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    if (n < 1024 * 1024 * 1024) return (n / 1024 / 1024).toFixed(1) + ' MiB';
    return (n / 1024 / 1024 / 1024).toFixed(2) + ' GiB';
  };

  tuns.ms = function (v) {
    if (v === null || v === undefined) return '…';
    return v < 1000 ? v.toFixed(v < 10 ? 2 : 0) + ' ms' : (v / 1000).toFixed(2) + ' s';
  };

  // One formatter for every row: building one per call costs more than the rest of a row.
  const timeFormat = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  tuns.time = function (epochMs) {
    const d = new Date(epochMs);
    return timeFormat.format(d) + '.' + String(d.getMilliseconds()).padStart(3, '0');
  };

  tuns.base64ToBytes = function (b64) {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  };

  // Classic 16-bytes-a-line dump; capped so a 1 MiB body does not freeze the tab.
  tuns.hexdump = function (bytes, maxBytes) {
    const n = Math.min(bytes.length, maxBytes || 65536);
    const lines = [];
    for (let off = 0; off < n; off += 16) {
      let hex = '';
      let ascii = '';
      for (let i = 0; i < 16; i++) {
        if (off + i < n) {
          const b = bytes[off + i];
          hex += b.toString(16).padStart(2, '0') + ' ';
          ascii += b >= 32 && b < 127 ? String.fromCharCode(b) : '.';
        } else {
          hex += '   ';
        }
        if (i === 7) hex += ' ';
      }
      lines.push(off.toString(16).padStart(8, '0') + '  ' + hex + ' ' + ascii);
    }
    if (bytes.length > n) lines.push('… ' + (bytes.length - n) + ' more bytes not shown in hex');
    return lines.join('\n');
  };

  // Only http(s) links from the server become hrefs.
  tuns.safeUrl = function (url) {
    try {
      const u = new URL(url, location.href);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch (e) {
      return null;
    }
  };

  window.tuns = tuns;
})();
