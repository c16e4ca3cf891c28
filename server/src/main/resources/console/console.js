'use strict';
// Service console: live list (SSE) + history from the server, filters, detail, replay, curl, HAR.
(function () {
  const t = window.tuns;
  const el = t.el;
  const $ = (id) => document.getElementById(id);
  // One list model: the page mirrors the server's history (same bound, loaded page by page through the cursor
  // API, then kept current by the live stream) and renders only the rows in view.
  const ROW_HEIGHT = 28; // px, fixed in console.css so the window arithmetic is exact
  const OVERSCAN = 8;
  const PAGE = 1000;
  const exchanges = new Map(); // id -> summary
  const order = []; // ids, oldest first
  let maxKeep = 100; // the server's --inspect-max-exchanges-per-tunnel, from the session
  let visible = []; // ids matching the filters, newest first
  let listDirty = true;
  let dataVersion = 0; // bumped on every change, so an unchanged window is not rebuilt
  let lastWindowKey = '';
  let clearedThrough = 0; // "Clear list": ids up to this one are hidden
  let selected = null;
  let detail = null;
  let bodies = { request: null, response: null };
  let renderQueued = false;
  let source = null;
  // The page's own worst-case work (ms), read by the latency IT: two numbers, never a growing buffer.
  const stats = window.tunsListStats = { renderMaxMs: 0, eventMaxMs: 0, renders: 0, events: 0, reloads: 0,
    renderTotalMs: 0, eventTotalMs: 0, refilterTotalMs: 0, refilters: 0 };

  function filters() {
    return {
      method: $('f-method').value.trim(),
      status: $('f-status').value.trim(),
      path: $('f-path').value.trim(),
      q: $('f-q').value.trim()
    };
  }

  function query(f) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
    const s = p.toString();
    return s ? '?' + s : '';
  }

  // The filters live in the address, so a reload or a shared link shows the same list.
  function filtersToUrl(f) {
    const url = new URL(location.href);
    for (const k of ['method', 'status', 'path', 'q']) { if (f[k]) url.searchParams.set(k, f[k]); else url.searchParams.delete(k); }
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }

  function filtersFromUrl() {
    const params = new URLSearchParams(location.search);
    for (const k of ['method', 'status', 'path', 'q']) if (params.get(k)) $('f-' + k).value = params.get(k);
  }

  const STATUS_WORD = /^([1-5][0-9][0-9]|[1-5]xx|pending)$/;

  function statusError(f) {
    const bad = f.status.toLowerCase().split(',').map((s) => s.trim()).filter(Boolean).filter((s) => !STATUS_WORD.test(s));
    return bad.length ? "'" + bad[0] + "' is not a status filter: use 200, 4xx or pending" : '';
  }

  // Same rules as the server's filter (used for HAR export), applied to live rows.
  function matches(e, f) {
    if (f.method) {
      const ms = f.method.toUpperCase().split(',').map((s) => s.trim()).filter(Boolean);
      if (ms.length && ms.indexOf(e.method.toUpperCase()) < 0) return false;
    }
    if (f.status) {
      const ss = f.status.toLowerCase().split(',').map((s) => s.trim()).filter(Boolean);
      const ok = ss.some((s) => s === 'pending' ? e.status === 0
        : /^[0-9]xx$/.test(s) ? Math.floor(e.status / 100) === Number(s[0]) : String(e.status) === s);
      if (ss.length && !ok) return false;
    }
    if (f.path && e.path.indexOf(f.path) < 0) return false;
    if (f.q) {
      const q = f.q.toLowerCase();
      const hay = [e.method, e.uri, String(e.status), e.clientIp, e.contentType].join(' ').toLowerCase();
      if (hay.indexOf(q) < 0 && !e._serverMatch) return false;
    }
    return true;
  }

  function upsert(summary) {
    const known = exchanges.get(summary.id);
    dataVersion++;
    if (known) { Object.assign(known, summary); known._v = (known._v || 0) + 1; listDirty = true; return; }
    exchanges.set(summary.id, summary);
    if (order.length && summary.id < order[order.length - 1]) {
      order.push(summary.id);
      order.sort((a, b) => a - b); // rare: a page of older history arriving after live rows
    } else {
      order.push(summary.id);
    }
    while (order.length > maxKeep) exchanges.delete(order.shift()); // the server has evicted it too
    listDirty = true;
  }

  // Input (scroll, filter, keys) renders on the next frame; live data at most every LIVE_RENDER_MS, so a burst
  // of events leaves the main thread free for the user.
  const LIVE_RENDER_MS = 100;
  let lastRenderAt = 0;
  let liveTimer = null;

  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => { renderQueued = false; renderList(); });
  }

  function scheduleLiveRender() {
    if (renderQueued || liveTimer) return;
    const wait = Math.max(0, lastRenderAt + LIVE_RENDER_MS - performance.now());
    liveTimer = setTimeout(() => { liveTimer = null; scheduleRender(); }, wait);
  }

  function statusClass(e) {
    if (e.state === 'aborted') return 's-err';
    if (!e.status) return 's-pending';
    return 's-' + Math.floor(e.status / 100) + 'xx';
  }

  function refilter() {
    const t0 = performance.now();
    const f = filters();
    const err = statusError(f);
    $('f-status').classList.toggle('invalid', !!err);
    $('f-status').title = err;
    visible = [];
    for (let i = order.length - 1; i >= 0; i--) {
      const id = order[i];
      if (id <= clearedThrough) break;
      const e = exchanges.get(id);
      if (err || matches(e, f)) visible.push(id);
    }
    listDirty = false;
    dataVersion++;
    stats.refilters++;
    stats.refilterTotalMs += performance.now() - t0;
    return err;
  }

  // ✂: kept only in part; ○: not kept at all. The tooltip says which and why.
  function captureMark(e) {
    if (!e.responseTruncated) return null;
    if (e.responseCapture === 'off') return el('span', { className: 'trunc', title: 'response body not captured (' + (e.responseCaptureNote || 'capture off') + ')' }, ' ○');
    return el('span', { className: 'trunc', title: 'response body truncated: ' + (e.responseCaptureNote || 'not kept whole') }, ' ✂');
  }

  function rowFor(e) {
    const truncMark = captureMark(e);
    const tr = el('tr', { className: (e.id === selected ? 'selected ' : '') + statusClass(e) + (e.replayOf ? ' replay' : ''), tabIndex: -1, dataset: { id: String(e.id) } },
      el('td', null, t.time(e.startedAt)),
      el('td', { className: 'method' }, e.replayOf ? el('span', { className: 'replay-mark', title: 'replay of request #' + e.replayOf + ' sent from this console' }, '↻ ') : null, e.method),
      el('td', { className: 'path', title: e.uri }, e.uri),
      el('td', { className: 'status' }, e.status ? String(e.status) : (e.state === 'aborted' ? 'aborted' : '…')),
      el('td', null, t.ms(e.durationMs)),
      el('td', null, t.bytes(e.responseBytes), truncMark),
      el('td', { className: 'muted client' }, e.clientIp));
    return tr;
  }

  function spacer() {
    return el('tr', { className: 'spacer' }, el('td', { colSpan: 7 }));
  }

  // The rows of the last window, kept while they stay in view and unchanged, so a live update or a scroll of a
  // few rows inserts and removes a few rows instead of rebuilding the table (less style, layout and paint per
  // frame). Bounded: entries outside the window are dropped on every render.
  const rowCache = new Map(); // id -> { e, v, sel, tr }
  const topSpacer = spacer();
  const bottomSpacer = spacer();

  function cachedRow(e) {
    const sel = e.id === selected;
    const c = rowCache.get(e.id);
    if (c && c.e === e && c.v === e._v && c.sel === sel) return c.tr;
    const tr = rowFor(e);
    rowCache.set(e.id, { e: e, v: e._v, sel: sel, tr: tr });
    return tr;
  }

  // Puts exactly the wanted nodes, in order, under parent, touching only those that are new or moved.
  function reconcile(parent, wanted) {
    let child = parent.firstChild;
    for (const node of wanted) {
      if (child === node) { child = child.nextSibling; continue; }
      parent.insertBefore(node, child);
    }
    while (child) { const next = child.nextSibling; parent.removeChild(child); child = next; }
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function renderList() {
    const t0 = performance.now();
    lastRenderAt = t0;
    renderWindow();
    const took = performance.now() - t0;
    stats.renders++;
    stats.renderTotalMs += took;
    stats.renderMaxMs = Math.max(stats.renderMaxMs, took);
  }

  function renderWindow() {
    let err = '';
    if (listDirty) err = refilter(); else err = statusError(filters());
    const pane = $('list-pane');
    const headerHeight = $('list').tHead ? $('list').tHead.offsetHeight : 0;
    const top = Math.max(0, pane.scrollTop - headerHeight);
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const count = Math.ceil(pane.clientHeight / ROW_HEIGHT) + 2 * OVERSCAN;
    const last = Math.min(visible.length, first + count);
    const windowKey = first + ':' + last + ':' + visible.length + ':' + dataVersion + ':' + selected;
    if (windowKey === lastWindowKey) return;
    lastWindowKey = windowKey;
    // CSSOM heights, allowed by the page's CSP (no inline style attribute)
    topSpacer.style.height = first * ROW_HEIGHT + 'px';
    bottomSpacer.style.height = (visible.length - last) * ROW_HEIGHT + 'px';
    const wanted = [topSpacer];
    const inView = new Set();
    for (let i = first; i < last; i++) {
      const e = exchanges.get(visible[i]);
      inView.add(e.id);
      wanted.push(cachedRow(e));
    }
    wanted.push(bottomSpacer);
    for (const id of rowCache.keys()) if (!inView.has(id)) rowCache.delete(id);
    reconcile($('rows'), wanted);
    let hidden = 0;
    while (hidden < order.length && order[hidden] <= clearedThrough) hidden++;
    const shown = order.length - hidden;
    if ($('empty').hidden !== shown > 0) $('empty').hidden = shown > 0;
    setText($('count'), err ? err : visible.length + ' shown of ' + shown + ' in history (keeps the last ' + maxKeep + ')');
    if ($('count').classList.contains('note') !== !!err) $('count').classList.toggle('note', !!err);
    const har = '/_sish/api/har' + query(filters());
    if ($('har-all').getAttribute('href') !== har) $('har-all').setAttribute('href', har);
  }

  // Loads the server's whole history (at most maxKeep) through the cursor API, newest page first.
  async function reloadList() {
    stats.reloads++;
    const f = filters();
    try {
      const loaded = [];
      let before = 0;
      for (;;) {
        const res = await t.api('/_sish/api/exchanges?limit=' + PAGE + (before > 0 ? '&before=' + before : ''));
        maxKeep = res.maxExchanges || maxKeep;
        loaded.push(...res.exchanges);
        if (res.nextBefore < 0 || loaded.length >= maxKeep) break;
        before = res.nextBefore;
      }
      // Live rows newer than the snapshot arrived while it loaded: keep them, or they would vanish until updated.
      const newest = loaded.length ? loaded[0].id : 0;
      const arrived = [...exchanges.values()].filter((e) => e.id > newest);
      exchanges.clear();
      order.length = 0;
      loaded.reverse().forEach(upsert);
      arrived.sort((x, y) => x.id - y.id).forEach(upsert);
      if (f.q && !statusError(f)) {
        // Free text also searches headers, which only the server has: mark its matches.
        const hits = await t.api('/_sish/api/exchanges' + query({ q: f.q }) + (query({ q: f.q }) ? '&' : '?') + 'limit=' + PAGE);
        hits.exchanges.forEach((e) => { const x = exchanges.get(e.id); if (x) x._serverMatch = true; });
      }
      listDirty = true;
      renderList();
    } catch (err) {
      setLive('error: ' + err.message, 'bad');
    }
  }

  function setLive(text, cls) {
    const live = $('live');
    live.textContent = text;
    live.className = 'pill ' + (cls || '');
  }

  let retryTimer = null;

  // The tunnel left (or the stream failed for good): keep the list and try again; a reconnect with the same ssh key
  // brings back the same history under the same link.
  function retryLater(text) {
    setLive(text, 'warn');
    if (source) { source.close(); source = null; }
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, 3000);
  }

  function connect() {
    if (source) source.close();
    source = new EventSource('/_sish/api/events');
    source.addEventListener('hello', () => { setLive('live', 'ok'); reloadList(); });
    // The server coalesces: one event every 100 ms at most, with the latest summary of each changed exchange.
    source.addEventListener('exchanges', (ev) => {
      const t0 = performance.now();
      const msg = JSON.parse(ev.data);
      let selectedEnded = false;
      for (const x of msg.exchanges) {
        const before = exchanges.get(x.id);
        if (x.id === selected && x.state !== 'open' && (!before || before.state === 'open')) selectedEnded = true;
        upsert(x);
      }
      if (!$('pause').checked) scheduleLiveRender();
      if (selectedEnded) select(selected);
      const took = performance.now() - t0;
      stats.events++;
      stats.eventTotalMs += took;
      stats.eventMaxMs = Math.max(stats.eventMaxMs, took);
    });
    source.addEventListener('gap', (ev) => {
      const msg = JSON.parse(ev.data);
      setLive('live (caught up after ' + msg.dropped + ' missed events)', 'ok');
      reloadList();
    });
    source.addEventListener('closed', () => retryLater('tunnel away — waiting for it to reconnect'));
    source.onerror = () => {
      if (source && source.readyState === EventSource.CLOSED) retryLater('tunnel away — waiting for it to reconnect');
      else setLive('reconnecting…', 'warn');
    };
  }

  function headerTable(headers, trailers) {
    const rows = (headers || []).concat((trailers || []).map((h) => Object.assign({ trailer: true }, h)));
    if (!rows.length) return el('p', { className: 'muted' }, 'No headers captured.');
    const tbody = el('tbody');
    for (const h of rows) {
      tbody.appendChild(el('tr', null,
        el('th', null, h.name + (h.trailer ? ' (trailer)' : '')),
        el('td', { className: h.redacted ? 'muted' : '' }, h.value)));
    }
    return el('table', { className: 'headers' }, tbody);
  }

  function sizeLine(info) {
    let s = t.bytes(info.observedBytes) + ' seen';
    if (info.declaredLength) s += ' (Content-Length ' + info.declaredLength + ')';
    if (info.truncated) s += ' · captured ' + t.bytes(info.capturedBytes) + ' — ' + info.truncationNote;
    return s;
  }

  // --- detail views (ngrok's: pretty, text, raw HTTP, hex; query, form and multipart tables; images) ---------------
  // Everything captured goes on the page as text nodes or attribute values, never as markup.

  const JSON_TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

  function jsonColoured(pretty) {
    const frag = document.createDocumentFragment();
    let last = 0;
    for (const m of pretty.matchAll(JSON_TOKEN)) {
      if (m.index > last) frag.appendChild(document.createTextNode(pretty.slice(last, m.index)));
      const cls = m[1] ? (m[2] ? 'j-key' : 'j-str') : m[3] ? 'j-lit' : 'j-num';
      frag.appendChild(el('span', { className: cls }, m[1] ? m[1] : m[0]));
      if (m[2]) frag.appendChild(document.createTextNode(m[2]));
      last = m.index + m[0].length;
    }
    if (last < pretty.length) frag.appendChild(document.createTextNode(pretty.slice(last)));
    return frag;
  }

  // Where JSON.parse gave up, as an offset into the text (Chromium says "position N" or "line L column C").
  function jsonErrorOffset(text, message) {
    let m = /position (\d+)/.exec(message);
    if (m) return Number(m[1]);
    m = /line (\d+) column (\d+)/.exec(message);
    if (!m) return -1;
    const lines = text.split('\n');
    let off = 0;
    for (let i = 0; i < Number(m[1]) - 1 && i < lines.length; i++) off += lines[i].length + 1;
    return off + Number(m[2]) - 1;
  }

  function jsonView(text) {
    try {
      return pre(jsonColoured(JSON.stringify(JSON.parse(text), null, 2)));
    } catch (err) {
      const at = jsonErrorOffset(text, err.message);
      const box = el('div', null, el('p', { className: 'note json-error' }, 'Not valid JSON: ' + err.message));
      if (at < 0 || at > text.length) { box.appendChild(pre(text)); return box; }
      box.appendChild(pre(text.slice(0, at), el('mark', { className: 'json-err', title: err.message }, text.slice(at, at + 1) || '⏎'), text.slice(at + 1)));
      return box;
    }
  }

  function xmlPretty(text) {
    const tokens = text.replace(/>\s+</g, '><').split(/(<[^>]+>)/).filter((x) => x.trim());
    const opens = (x) => /^<[^!?/]/.test(x) && !/\/>$/.test(x);
    const out = [];
    let depth = 0;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i].trim();
      if (opens(token) && i + 2 < tokens.length && !/^</.test(tokens[i + 1]) && /^<\//.test(tokens[i + 2])) {
        out.push('  '.repeat(depth) + token + tokens[i + 1].trim() + tokens[i + 2].trim()); // <a>text</a> stays on one line
        i += 2;
        continue;
      }
      if (/^<\//.test(token)) depth = Math.max(0, depth - 1);
      out.push('  '.repeat(depth) + token);
      if (opens(token)) depth++;
    }
    return out.join('\n');
  }

  function pairsTable(pairs, empty) {
    if (!pairs.length) return el('p', { className: 'muted' }, empty);
    const tbody = el('tbody');
    for (const [k, v] of pairs) tbody.appendChild(el('tr', null, el('th', null, k), el('td', null, v)));
    return el('table', { className: 'headers' }, tbody);
  }

  function formPairs(text) {
    try { return [...new URLSearchParams(text)]; } catch (e) { return []; }
  }

  // Parts of a multipart body as captured (text preview; sizes in characters of the decoded preview).
  function multipartParts(text, contentType) {
    const m = /boundary="?([^";]+)"?/i.exec(contentType || '');
    if (!m) return [];
    const parts = [];
    for (const chunk of text.split('--' + m[1]).slice(1)) {
      if (chunk.startsWith('--')) break;
      const sep = chunk.indexOf('\r\n\r\n');
      const head = sep < 0 ? chunk : chunk.slice(0, sep);
      const body = sep < 0 ? '' : chunk.slice(sep + 4).replace(/\r\n$/, '');
      const disp = /content-disposition:([^\r\n]*)/i.exec(head);
      const type = /content-type:\s*([^\r\n]*)/i.exec(head);
      const name = disp && /name="([^"]*)"/i.exec(disp[1]);
      const file = disp && /filename="([^"]*)"/i.exec(disp[1]);
      parts.push({ name: name ? name[1] : '', file: file ? file[1] : '', type: type ? type[1] : '', size: body.length, preview: body.slice(0, 200) });
    }
    return parts;
  }

  function multipartTable(parts) {
    const tbody = el('tbody');
    for (const p of parts) {
      tbody.appendChild(el('tr', null, el('td', null, p.name), el('td', null, p.file), el('td', null, p.type),
        el('td', null, t.bytes(p.size)), el('td', { className: 'mono' }, p.preview)));
    }
    return el('table', { className: 'parts' }, el('thead', null, el('tr', null, el('th', null, 'name'), el('th', null, 'file'),
      el('th', null, 'type'), el('th', null, 'size'), el('th', null, 'preview'))), tbody);
  }

  function pre(...children) {
    return el('pre', { className: 'body' }, ...children);
  }

  function rawRequest(d, bodyText) {
    const head = [d.method + ' ' + d.uri + ' ' + (d.protocol || 'HTTP/1.1')]
      .concat((d.requestHeaders || []).map((h) => h.name + ': ' + h.value));
    return head.join('\r\n') + '\r\n\r\n' + (bodyText || '');
  }

  const PREVIEWABLE_IMAGE = /^image\/(png|jpeg|gif|webp|bmp|x-icon)\b/i;

  // ctx: { side, contentType, exchangeId } for captured bodies; absent for a replay's answer.
  function bodyView(container, info, body, ctx) {
    t.clear(container);
    const top = el('p', { className: 'muted' }, sizeLine(info));
    if (ctx && info.capturedBytes) {
      top.appendChild(document.createTextNode(' · '));
      top.appendChild(el('a', { href: '/_sish/api/exchanges/' + ctx.exchangeId + '/body/' + ctx.side + '/raw', download: ctx.exchangeId + '-' + ctx.side + '.bin' }, 'download body'));
    }
    container.appendChild(top);
    if (!body) return;
    if (body.kind === 'empty') {
      container.appendChild(el('p', { className: 'muted' }, info.observedBytes ? 'Body not captured.' : 'No body.'));
      if (!(ctx && ctx.side === 'request' && detail)) return;
    }
    if (body.note) container.appendChild(el('p', { className: 'note' }, body.note));
    if (body.decoded) container.appendChild(el('p', { className: 'muted' }, 'Decoded from ' + body.encoding + (body.renderTruncated ? ' — preview cut at ' + t.bytes(body.renderedBytes) : '')));
    else if (body.renderTruncated) container.appendChild(el('p', { className: 'muted' }, 'Preview cut at ' + t.bytes(body.renderedBytes)));
    const type = (ctx && ctx.contentType) || '';
    const views = {};
    const bytes = body.base64 !== undefined ? t.base64ToBytes(body.base64) : new TextEncoder().encode(body.text || '');
    if (body.kind === 'json') views.pretty = () => jsonView(body.text);
    if (body.text !== undefined && /xml/i.test(type)) views.pretty = () => pre(xmlPretty(body.text));
    if (body.base64 !== undefined && PREVIEWABLE_IMAGE.test(type)) {
      views.image = () => el('img', { className: 'preview', alt: 'captured image', src: 'data:' + type.split(';')[0] + ';base64,' + body.base64 });
    }
    if (body.text !== undefined && /^application\/x-www-form-urlencoded/i.test(type)) views.form = () => pairsTable(formPairs(body.text), 'No fields.');
    if (body.text !== undefined && /^multipart\//i.test(type)) views.parts = () => multipartTable(multipartParts(body.text, type));
    if (body.text !== undefined) views.text = () => pre(body.text);
    if (ctx && ctx.side === 'request' && detail) views.raw = () => pre(rawRequest(detail, body.text !== undefined ? body.text : (bytes.length ? '[' + bytes.length + ' bytes of binary: see hex]' : '')));
    if (body.kind !== 'empty') views.hex = () => { const p = pre(t.hexdump(bytes)); p.classList.add('hex'); return p; };
    const view = el('div', { className: 'view' });
    const tabs = el('div', { className: 'tabs' });
    const show = (name) => {
      view.replaceChildren(views[name]());
      for (const b of tabs.children) b.classList.toggle('active', b.dataset.view === name);
    };
    for (const name of Object.keys(views)) {
      const b = el('button', { type: 'button', dataset: { view: name } }, name);
      b.addEventListener('click', () => show(name));
      tabs.appendChild(b);
    }
    if (!Object.keys(views).length) return;
    container.appendChild(tabs);
    container.appendChild(view);
    show(Object.keys(views)[0]);
  }

  async function loadBody(side, container, info, contentType) {
    const ctx = { side, contentType, exchangeId: selected };
    bodyView(container, info, null, ctx);
    if (!info.capturedBytes) {
      bodyView(container, info, { kind: 'empty' }, ctx);
      return null;
    }
    try {
      const body = await t.api('/_sish/api/exchanges/' + selected + '/body/' + side);
      bodyView(container, info, body, ctx);
      return body;
    } catch (err) {
      container.appendChild(el('p', { className: 'note' }, 'Could not load the body: ' + err.message));
      return null;
    }
  }

  async function select(id) {
    if (selected !== id) {
      // The edit form and the last result belong to the previous request: Send must never send an old edit.
      closeEditor();
      $('replay-result').hidden = true;
    }
    selected = id;
    scheduleRender();
    let d;
    try {
      d = await t.api('/_sish/api/exchanges/' + id);
    } catch (err) {
      $('detail-pane').hidden = false;
      $('d-title').textContent = err.message;
      return;
    }
    if (selected !== id) return;
    detail = d;
    history.replaceState(null, '', location.pathname + location.search + '#/' + id);
    $('detail-pane').hidden = false;
    $('d-title').textContent = d.method + ' ' + d.uri;
    const meta = $('d-meta');
    t.clear(meta);
    const add = (k, v) => { meta.appendChild(el('dt', null, k)); meta.appendChild(el('dd', null, v)); };
    add('Status', d.status ? d.status + ' ' + d.reason : (d.state === 'aborted' ? 'aborted: ' + (d.abortReason || '') : 'waiting'));
    add('URL', d.url);
    add('Client', d.clientIp);
    add('Started', new Date(d.startedAt).toISOString());
    add('Timings', 'request ' + t.ms(d.timings.requestMs) + ' · first byte ' + t.ms(d.timings.waitMs) + ' · total ' + t.ms(d.timings.totalMs));
    if (d.replayOf) add('Replay of', '#' + d.replayOf + ' (sent from this console)');
    add('State', d.state + (d.headersDropped ? ' (some headers not kept: capture budget full)' : ''));
    $('d-req-headers').replaceChildren(headerTable(d.requestHeaders, d.requestTrailers));
    $('d-resp-headers').replaceChildren(headerTable(d.responseHeaders, d.responseTrailers));
    $('har-one').href = '/_sish/api/exchanges/' + id + '/har';
    $('curl-text').hidden = true;
    bodies = { request: null, response: null };
    const header = (list, name) => { const h = (list || []).find((x) => x.name.toLowerCase() === name); return h ? h.value : ''; };
    const q = d.uri.indexOf('?');
    $('d-query').replaceChildren(q < 0 ? el('span') : el('div', null, el('h4', null, 'Query'), pairsTable(formPairs(d.uri.slice(q + 1)), '')));
    bodies.request = await loadBody('request', $('d-req-body'), d.request, header(d.requestHeaders, 'content-type'));
    bodies.response = await loadBody('response', $('d-resp-body'), d.response, header(d.responseHeaders, 'content-type'));
  }

  function showResult(res) {
    const box = $('replay-result');
    box.hidden = false;
    $('r-summary').textContent = res.error ? res.error : (res.status + ' ' + res.reason + ' in ' + t.ms(res.durationMs));
    if (res.error) { t.clear($('r-headers')); t.clear($('r-body')); return; }
    $('r-headers').replaceChildren(headerTable(res.headers));
    const info = { observedBytes: res.body.observedBytes, capturedBytes: res.body.capturedBytes, truncated: res.body.truncated, truncationNote: 'answer larger than the preview bound' };
    bodyView($('r-body'), info, res.body);
  }

  async function replay(payload) {
    if (selected === null) return;
    $('replay-result').hidden = false;
    $('r-summary').textContent = 'Sending…';
    try {
      const res = await t.api('/_sish/api/exchanges/' + selected + '/replay', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload ? JSON.stringify(payload) : ''
      });
      showResult(res);
    } catch (err) {
      showResult({ error: err.message });
    }
  }

  // Shown for a redacted header: the server kept the original and sends it unless the line is changed or removed.
  const KEPT = '[redacted — kept]';
  const MANAGED = ['host', 'content-length', 'connection', 'transfer-encoding'];
  let bodyEdited = false;

  // Why the captured body cannot be pre-filled as editable text, or '' when it can.
  function bodyNotEditable(info, body) {
    if (info.truncated || info.observedBytes > info.capturedBytes) {
      return 'The captured body cannot be re-sent whole (' + t.bytes(info.capturedBytes) + ' of ' + t.bytes(info.observedBytes)
        + ' kept: ' + (info.truncationNote || 'truncated') + '). Type a body to send instead.';
    }
    if (!info.observedBytes) return '';
    if (!body || body.text === undefined || body.decoded || body.renderTruncated) {
      return 'The body (' + t.bytes(info.observedBytes) + ', ' + (body && body.decoded ? body.encoding + '-encoded' : 'binary or multipart')
        + ') is sent exactly as captured. Type here only to replace it.';
    }
    return '';
  }

  function openEditor() {
    if (!detail) return;
    $('editor').hidden = false;
    $('e-method').value = detail.method;
    $('e-uri').value = detail.uri;
    $('e-headers').value = (detail.requestHeaders || [])
      .filter((h) => MANAGED.indexOf(h.name.toLowerCase()) < 0)
      .map((h) => h.name + ': ' + (h.redacted ? KEPT : h.value)).join('\n');
    const why = bodyNotEditable(detail.request, bodies.request);
    $('e-body-note').textContent = why;
    $('e-body-note').hidden = !why;
    $('e-body').value = why ? '' : (bodies.request && bodies.request.text !== undefined ? bodies.request.text : '');
    bodyEdited = false;
  }

  function closeEditor() {
    $('editor').hidden = true;
    bodyEdited = false;
  }

  function editedPayload() {
    const headers = $('e-headers').value.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
      const i = line.indexOf(':');
      return i > 0 ? { name: line.slice(0, i).trim(), value: line.slice(i + 1).trim() } : null;
    }).filter(Boolean);
    const payload = { method: $('e-method').value, uri: $('e-uri').value, headers };
    // An untouched body is left out: the server then sends the captured bytes, exactly.
    if (bodyEdited) payload.body = $('e-body').value;
    return payload;
  }

  // A short message next to the live pill; the pill itself keeps saying whether the stream is live.
  let toastTimer = null;
  function toast(text) {
    $('toast').textContent = text;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { $('toast').textContent = ''; }, 2500);
  }

  async function copyCurl() {
    if (!detail) return;
    const area = $('curl-text');
    area.value = detail.curl;
    area.hidden = false;
    area.select();
    // A binary body goes through a file: curl reads it with --data-binary @file, offered here for download.
    const file = $('curl-file');
    file.hidden = !detail.curlBodyFile;
    if (detail.curlBodyFile) {
      file.href = '/_sish/api/exchanges/' + detail.id + '/body/request/raw';
      file.setAttribute('download', detail.curlBodyFile);
      file.textContent = 'Download ' + detail.curlBodyFile + ' (the request body curl sends)';
    }
    try {
      await navigator.clipboard.writeText(detail.curl);
      toast('curl command copied');
    } catch (e) {
      toast('curl command selected: copy it with Ctrl+C');
    }
  }

  // Keyboard, as in the browser's Network panel: j/k or arrows move through the list and open the request,
  // Enter opens it, Esc closes the edit form or the detail, '/' goes to the filter, 'r' replays.
  function move(delta) {
    if (!visible.length) return;
    let i = visible.indexOf(selected);
    i = i < 0 ? 0 : Math.max(0, Math.min(visible.length - 1, i + delta));
    const pane = $('list-pane');
    const head = $('list').tHead ? $('list').tHead.offsetHeight : 0;
    const top = head + i * ROW_HEIGHT;
    if (top - head < pane.scrollTop) pane.scrollTop = top - head;
    else if (top + ROW_HEIGHT > pane.scrollTop + pane.clientHeight) pane.scrollTop = top + ROW_HEIGHT - pane.clientHeight;
    select(visible[i]);
  }

  function onKey(ev) {
    const typing = ev.target && /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName);
    if (ev.key === 'Escape') {
      if (typing) { ev.target.blur(); return; }
      if (!$('editor').hidden) closeEditor();
      else if (selected !== null) closeDetail();
      return;
    }
    if (typing || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === 'j' || ev.key === 'ArrowDown') { ev.preventDefault(); move(1); }
    else if (ev.key === 'k' || ev.key === 'ArrowUp') { ev.preventDefault(); move(-1); }
    else if (ev.key === 'Enter' && selected === null) { ev.preventDefault(); move(0); }
    else if (ev.key === '/') { ev.preventDefault(); $('f-path').focus(); }
    else if (ev.key === 'r' && selected !== null) { ev.preventDefault(); replay(null); }
  }

  function closeDetail() {
    closeEditor();
    $('replay-result').hidden = true;
    selected = null;
    detail = null;
    $('detail-pane').hidden = true;
    if (location.hash) history.replaceState(null, '', location.pathname + location.search);
    scheduleRender();
  }

  // #/<id> opens a request, #/<id>/edit its edit form: links and the screenshot script use them.
  async function openFromHash() {
    const m = /^#\/(\d+)(\/edit)?$/.exec(location.hash);
    if (!m) return;
    await select(Number(m[1]));
    if (m[2]) openEditor();
  }

  async function start() {
    try {
      const session = await t.api('/_sish/api/session');
      t.setCsrf(session.csrf);
      maxKeep = session.limits.maxExchangesPerTunnel || maxKeep;
      $('tunnel').textContent = session.publicUrl || session.host;
      $('budget').textContent = 'capture ' + t.bytes(session.limits.capturedBytes) + ' of ' + t.bytes(session.limits.captureBudgetBytes)
        + ' · per body ' + (session.limits.maxCaptureBytesPerBody < 0 ? 'budget only' : t.bytes(session.limits.maxCaptureBytesPerBody));
    } catch (err) {
      setLive(err.message, 'bad');
      return;
    }
    filtersFromUrl();
    // The list refilters on the next frame; the address (history.replaceState, a call to the browser process)
    // follows once typing pauses.
    let urlTimer = null;
    const urlSoon = () => { clearTimeout(urlTimer); urlTimer = setTimeout(() => filtersToUrl(filters()), 250); };
    const onFilter = () => { listDirty = true; urlSoon(); scheduleRender(); };
    for (const id of ['f-method', 'f-status', 'f-path']) $(id).addEventListener('input', onFilter);
    let qTimer = null;
    $('f-q').addEventListener('input', () => { urlSoon(); clearTimeout(qTimer); qTimer = setTimeout(reloadList, 250); });
    $('filters').addEventListener('submit', (ev) => ev.preventDefault());
    $('filters').addEventListener('reset', () => setTimeout(() => { filtersToUrl(filters()); reloadList(); }, 0));
    $('clear-list').addEventListener('click', () => {
      clearedThrough = order.length ? order[order.length - 1] : clearedThrough;
      listDirty = true;
      scheduleRender();
    });
    $('list-pane').addEventListener('scroll', scheduleRender, { passive: true });
    window.addEventListener('resize', scheduleRender);
    $('rows').addEventListener('click', (ev) => {
      const tr = ev.target.closest('tr[data-id]');
      if (tr) select(Number(tr.dataset.id));
    });
    $('pause').addEventListener('change', scheduleRender);
    $('replay').addEventListener('click', () => replay(null));
    $('edit').addEventListener('click', openEditor);
    $('e-cancel').addEventListener('click', closeEditor);
    $('e-body').addEventListener('input', () => { bodyEdited = true; });
    $('editor').addEventListener('submit', (ev) => { ev.preventDefault(); replay(editedPayload()); });
    $('curl').addEventListener('click', copyCurl);
    $('close-detail').addEventListener('click', closeDetail);
    document.addEventListener('keydown', onKey);
    await reloadList();
    connect();
    await openFromHash();
  }

  document.addEventListener('DOMContentLoaded', start);
})();
