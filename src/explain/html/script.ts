/**
 * The page's script: builds the plan tree, the icicle, the findings and (for a comparison) the summary from
 * the JSON block, with textContent only (never innerHTML), so nothing from the plan is read as markup.
 * Plain ES2017 in a string: it runs in the browser, not in Node. No template literals inside.
 */
export const SCRIPT = String.raw`(function () {
'use strict';
var DATA = JSON.parse(document.getElementById('dbtool-data').textContent);
var app = document.getElementById('app');
var CHUNK = 500;
var BIG = 1500;
var views = {};

function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function add(parent, child) { parent.appendChild(child); return child; }
function button(text, cls, onClick) {
  var b = el('button', cls, text);
  b.type = 'button';
  if (onClick) b.addEventListener('click', onClick);
  return b;
}
function fmtMs(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms >= 1000) return (ms / 1000).toFixed(2) + ' s';
  if (ms >= 100) return ms.toFixed(0) + ' ms';
  if (ms >= 1) return ms.toFixed(1) + ' ms';
  return ms.toFixed(3) + ' ms';
}
function fmtCount(n) {
  if (n === null || n === undefined) return '–';
  if (n >= 1e9) return (n / 1e9).toFixed(1) + 'G';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (n >= 1e4) return (n / 1e3).toFixed(0) + 'k';
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
function pct(x) { return Math.round(x * 100) + '%'; }
function section(parent, cls, title) {
  var s = add(parent, el('section', cls));
  add(s, el('h2', null, title));
  return s;
}

function renderPlan(plan, prefix, root) {
  var nodes = plan.nodes;
  var items = new Array(nodes.length);
  var shown = new Array(nodes.length);
  var byNode = {};
  var current = null;
  var highlighted = null;
  var blocks = {};
  plan.diagnostics.forEach(function (d, i) {
    if (d.nodeId !== null) (byNode[d.nodeId] = byNode[d.nodeId] || []).push(i);
  });

  // summary
  var summary = add(root, el('div', 'summary'));
  if (plan.analyzed) add(summary, el('span')).append('execution ', el('b', null, fmtMs(plan.totals.totalMs)));
  else add(summary, el('b', null, 'estimated plan (not executed)'));
  if (plan.totals.planningMs !== null) add(summary, el('span', null, 'planning ' + fmtMs(plan.totals.planningMs)));
  if (plan.totals.jitMs !== null) add(summary, el('span', null, 'JIT ' + fmtMs(plan.totals.jitMs)));
  add(summary, el('span', null, nodes.length + ' node' + (nodes.length === 1 ? '' : 's')));
  if (plan.server) add(summary, el('span', null, plan.server));
  if (plan.generic) add(summary, el('span', null, 'generic plan'));
  add(root, el('p', 'note', plan.literalsShown ? 'Literals are shown (--show-literals).'
    : 'Literal values in the query and the plan\u2019s expressions are replaced by $1, $2, \u2026 (--show-literals shows them).'
      + (plan.hiddenExpressions ? ' ' + plan.hiddenExpressions + ' expression' + (plan.hiddenExpressions === 1 ? '' : 's') + ' could not be normalised and ' + (plan.hiddenExpressions === 1 ? 'is' : 'are') + ' left out.' : '')));

  // findings
  var fs = section(root, 'findings', 'Findings');
  var diagItems = [];
  if (!plan.analyzed) add(fs, el('p', 'muted', 'Not executed: times, actual rows and most findings need EXPLAIN ANALYZE.'));
  else if (plan.diagnostics.length === 0) add(fs, el('p', 'good', '\u2714 No problems found in this plan.'));
  else {
    var ol = add(fs, el('ol', 'diags'));
    plan.diagnostics.forEach(function (d, i) {
      var li = add(ol, el('li', 'diag sev-' + d.severity));
      li.id = prefix + 'd' + i;
      li.setAttribute('data-diag', d.id);
      li.tabIndex = -1;
      var head = add(li, el('div', 'diag-head'));
      add(head, el('span', 'sev', d.severity));
      add(head, el('code', 'diag-id', d.id));
      if (d.nodeId !== null && nodes[d.nodeId]) {
        var go = add(head, button('node ' + d.nodeId + ': ' + nodes[d.nodeId].l, 'goto', function () { reveal(d.nodeId, true); }));
        go.setAttribute('data-node', String(d.nodeId));
        go.title = 'Show this node in the plan';
      } else add(head, el('span', 'muted', 'whole plan'));
      add(li, el('p', 'msg', d.message));
      add(li, el('p', 'next', '\u2192 ' + d.suggestion));
      if (d.sql) add(add(li, el('pre', 'sql')), el('code', null, d.sql));
      diagItems.push(li);
    });
  }

  // the plan tree
  var ts = section(root, 'plan', 'Plan');
  var bar = add(ts, el('div', 'toolbar'));
  add(bar, button('Expand all', 'expand-all', function () { for (var id = 0; id < nodes.length; id++) if (nodes[id].c.length) { ensure(id); setOpen(id, true); } }));
  add(bar, button('Collapse all', 'collapse-all', function () { for (var id = 0; id < nodes.length; id++) if (items[id] && nodes[id].c.length) setOpen(id, false); }));
  add(bar, el('span', 'muted', 'Arrow keys move through the tree; Enter opens and closes a node.'));
  var tree = add(ts, el('ul', 'tree'));
  tree.setAttribute('role', 'tree');
  tree.setAttribute('aria-label', 'Plan nodes');

  function item(id) {
    var n = nodes[id];
    var li = el('li', n.s >= 0.3 ? 'hot3' : n.s >= 0.1 ? 'hot2' : null);
    li.id = prefix + 'n' + id;
    li.setAttribute('role', 'treeitem');
    li.setAttribute('aria-level', String(n.d + 1));
    li.setAttribute('data-node', String(id));
    li.setAttribute('data-type', n.t);
    li.tabIndex = -1;
    var row = add(li, el('div', 'row'));
    var tog = add(row, button(n.c.length ? '\u25B8' : '', n.c.length ? 'tog' : 'tog leaf', function (ev) { ev.stopPropagation(); toggle(id); }));
    tog.tabIndex = -1;
    tog.setAttribute('aria-hidden', 'true');
    add(row, el('span', 'lbl', n.l));
    if (plan.analyzed) {
      var time = add(row, el('span', 'time'));
      time.title = 'own time (this node without its children) and its share of the total';
      var track = add(time, el('span', 'bar'));
      add(track, el('span', 'fill')).style.width = Math.min(100, n.s * 100).toFixed(1) + '%';
      add(time, el('span', null, fmtMs(n.x) + ' \u00B7 ' + pct(n.s)));
      if (n.r !== null) {
        var rows = add(row, el('span', 'metric', 'rows ' + fmtCount(n.r) + ' / est ' + fmtCount(n.e)));
        rows.title = 'actual rows per loop / the planner\u2019s estimate';
        if (n.f !== null && n.f >= 10) {
          add(rows, el('span', 'mis', ' ' + (n.u ? '\u2191' : '\u2193') + fmtCount(Math.round(n.f)) + '\u00D7'));
          rows.title += ': misestimated ' + Math.round(n.f) + '\u00D7';
        }
      } else add(row, el('span', 'metric', 'never executed'));
      if (n.lo > 1) add(row, el('span', 'metric', 'loops ' + fmtCount(n.lo)));
    } else if (n.e !== null) add(row, el('span', 'metric', 'est rows ' + fmtCount(n.e) + ', cost ' + n.k));
    var b = n.b;
    if (b[0] + b[1] + b[2] + b[3] + b[4] + b[5] > 0) {
      var parts = ['hit ' + fmtCount(b[0])];
      if (b[1]) parts.push('read ' + fmtCount(b[1]));
      if (b[2]) parts.push('dirtied ' + fmtCount(b[2]));
      if (b[3]) parts.push('written ' + fmtCount(b[3]));
      if (b[4] + b[5]) parts.push('temp ' + fmtCount(b[4] + b[5]));
      var buf = add(row, el('span', 'metric', 'buffers ' + parts.join(' ')));
      buf.title = 'the node\u2019s own shared buffers (8 kB pages): hit in cache, read, dirtied, written; temp pages read + written';
    }
    (byNode[id] || []).forEach(function (i) {
      var d = plan.diagnostics[i];
      var badge = add(row, button('\u25B2 ' + d.id, 'badge', function (ev) { ev.stopPropagation(); showDiagnostic(i); }));
      badge.tabIndex = -1;
      badge.title = d.message;
    });
    row.addEventListener('click', function () { select(id); });
    if (n.a.length) {
      var det = add(li, el('div', 'det'));
      n.a.forEach(function (kv) {
        var line = add(det, el('div'));
        add(line, el('span', 'k', kv[0] + ': '));
        add(line, el('span', 'v', kv[1]));
      });
    }
    if (n.c.length) li.setAttribute('aria-expanded', 'false');
    items[id] = li;
    return li;
  }

  function group(id) {
    var li = items[id];
    var ul = li.querySelector(':scope > ul');
    if (!ul) {
      ul = add(li, el('ul'));
      ul.setAttribute('role', 'group');
      shown[id] = 0;
      more(id);
    }
    return ul;
  }
  // children are drawn when their parent first opens, CHUNK at a time
  function more(id) {
    var ul = items[id].querySelector(':scope > ul');
    var old = ul.querySelector(':scope > li.more-item');
    if (old) old.remove();
    var kids = nodes[id].c;
    var end = Math.min(kids.length, shown[id] + CHUNK);
    var frag = document.createDocumentFragment();
    for (var i = shown[id]; i < end; i++) frag.appendChild(item(kids[i]));
    shown[id] = end;
    if (end < kids.length) {
      var li = add(frag, el('li', 'more-item'));
      add(li, button('Show ' + (kids.length - end).toLocaleString('en-US') + ' more', 'more', function () { more(id); }));
    }
    ul.appendChild(frag);
  }
  function setOpen(id, open) {
    var li = items[id];
    if (!li || !nodes[id].c.length) return;
    if (open) group(id).hidden = false;
    else { var ul = li.querySelector(':scope > ul'); if (ul) ul.hidden = true; }
    li.setAttribute('aria-expanded', open ? 'true' : 'false');
    li.querySelector(':scope > .row > .tog').textContent = open ? '\u25BE' : '\u25B8';
  }
  function isOpen(id) { return items[id] && items[id].getAttribute('aria-expanded') === 'true'; }
  function toggle(id) { setOpen(id, !isOpen(id)); }
  // makes sure the node's element exists: its ancestors are drawn and opened
  function ensure(id) {
    if (items[id]) return;
    var p = nodes[id].p;
    ensure(p);
    setOpen(p, true);
    while (!items[id]) more(p);
  }
  function focusItem(id) {
    if (current !== null && items[current]) items[current].tabIndex = -1;
    current = id;
    items[id].tabIndex = 0;
    items[id].focus();
  }
  function select(id) { focusItem(id); }
  function reveal(id, scroll) {
    ensure(id);
    for (var p = nodes[id].p; p !== -1; p = nodes[p].p) setOpen(p, true);
    if (highlighted !== null && items[highlighted]) items[highlighted].querySelector(':scope > .row').classList.remove('hl');
    if (highlighted !== null && blocks[highlighted]) blocks[highlighted].classList.remove('hl');
    highlighted = id;
    var row = items[id].querySelector(':scope > .row');
    row.classList.add('hl');
    if (blocks[id]) blocks[id].classList.add('hl');
    focusItem(id);
    if (scroll && row.scrollIntoView) row.scrollIntoView({ block: 'center' });
  }
  function showDiagnostic(i) {
    var li = diagItems[i];
    if (!li) return;
    diagItems.forEach(function (x) { x.classList.remove('hl'); });
    li.classList.add('hl');
    li.focus();
    if (li.scrollIntoView) li.scrollIntoView({ block: 'center' });
  }
  function idOf(li) { return li ? Number(li.getAttribute('data-node')) : -1; }
  function nextVisible(id) {
    if (isOpen(id)) { var first = items[id].querySelector(':scope > ul > li[role=treeitem]'); if (first) return idOf(first); }
    for (var at = id; at !== -1; at = nodes[at].p) {
      var sib = items[at].nextElementSibling;
      if (sib && sib.getAttribute('role') === 'treeitem') return idOf(sib);
    }
    return -1;
  }
  function prevVisible(id) {
    var sib = items[id].previousElementSibling;
    if (!sib) return nodes[id].p;
    var at = idOf(sib);
    while (isOpen(at)) {
      var kids = items[at].querySelectorAll(':scope > ul > li[role=treeitem]');
      if (!kids.length) break;
      at = idOf(kids[kids.length - 1]);
    }
    return at;
  }
  tree.addEventListener('keydown', function (ev) {
    var li = ev.target.closest ? ev.target.closest('li[role=treeitem]') : null;
    if (!li || ev.target !== li) return;
    var id = idOf(li);
    var to = -1;
    if (ev.key === 'ArrowDown') to = nextVisible(id);
    else if (ev.key === 'ArrowUp') to = prevVisible(id);
    else if (ev.key === 'ArrowRight') { if (nodes[id].c.length && !isOpen(id)) setOpen(id, true); else if (isOpen(id)) to = nodes[id].c[0]; }
    else if (ev.key === 'ArrowLeft') { if (isOpen(id)) setOpen(id, false); else to = nodes[id].p; }
    else if (ev.key === 'Home') to = 0;
    else if (ev.key === 'Enter' || ev.key === ' ') toggle(id);
    else if (ev.key === '*') nodes[nodes[id].p === -1 ? id : nodes[id].p].c.forEach(function (c) { setOpen(c, true); });
    else return;
    ev.preventDefault();
    if (to !== undefined && to !== -1) { ensure(to); focusItem(to); }
  });
  tree.addEventListener('focusin', function (ev) {
    var li = ev.target;
    if (li.getAttribute && li.getAttribute('role') === 'treeitem') { var id = idOf(li); if (current !== id) { if (current !== null && items[current]) items[current].tabIndex = -1; current = id; li.tabIndex = 0; } }
  });

  if (nodes.length) {
    tree.appendChild(item(0));
    items[0].tabIndex = 0;
    current = 0;
    if (nodes.length <= BIG) { for (var id = 0; id < nodes.length; id++) if (nodes[id].c.length) setOpen(id, true); }
    else {
      setOpen(0, true);
      // a big plan opens the way to its findings only
      plan.diagnostics.forEach(function (d) { if (d.nodeId !== null && nodes[d.nodeId]) { ensure(d.nodeId); } });
    }
  }
  if (plan.triggers.length) {
    var tl = add(ts, el('ul', 'triggers'));
    plan.triggers.forEach(function (t) { add(tl, el('li', null, 'trigger ' + t.name + (t.relation ? ' on ' + t.relation : '') + ': ' + fmtMs(t.ms) + ', ' + t.calls + ' calls')); });
  }

  // the icicle: width is a node's time with its children, colour its own share
  var timed = plan.analyzed && nodes.length && nodes[0].i > 0;
  var ic = section(root, 'flame', timed ? 'Where the time goes' : 'Where the estimated cost goes');
  add(ic, el('p', 'muted', 'Each block is a plan node, under its parent; its width is ' + (timed ? 'the node\u2019s time' : 'the node\u2019s estimated cost') + ' including its children, its colour the node\u2019s own share. Click a block to find the node in the plan.'));
  var box = add(ic, el('div', 'icicle'));
  box.setAttribute('aria-hidden', 'true');
  if (nodes.length) {
    var val = function (n) { return timed ? n.i : n.k; };
    var x0 = new Float64Array(nodes.length);
    var w = new Float64Array(nodes.length);
    w[0] = 1;
    var ROW = 22;
    var MAXD = 60;
    var maxDepth = 0;
    var frag = document.createDocumentFragment();
    var stack = [0];
    while (stack.length) {
      var id2 = stack.pop();
      var n2 = nodes[id2];
      if (w[id2] >= 0.002 && n2.d <= MAXD) {
        var blk = add(frag, button(n2.l, 'blk h' + Math.min(4, Math.floor(n2.s * 10 / 2))));
        blk.tabIndex = -1;
        blk.setAttribute('data-node', String(id2));
        blk.title = n2.l + (timed ? ' \u2014 own ' + fmtMs(n2.x) + ' (' + pct(n2.s) + '), with children ' + fmtMs(n2.i) : ' \u2014 cost ' + n2.k);
        blk.style.left = (x0[id2] * 100).toFixed(3) + '%';
        blk.style.width = (w[id2] * 100).toFixed(3) + '%';
        blk.style.top = (n2.d * ROW) + 'px';
        blocks[id2] = blk;
        if (n2.d > maxDepth) maxDepth = n2.d;
        var sum = 0;
        for (var j = 0; j < n2.c.length; j++) sum += Math.max(0, val(nodes[n2.c[j]]));
        var scale = sum > 0 ? w[id2] / Math.max(sum, val(n2)) : 0;
        var x = x0[id2];
        for (var k = 0; k < n2.c.length; k++) {
          var c = n2.c[k];
          x0[c] = x;
          w[c] = Math.max(0, val(nodes[c])) * scale;
          x += w[c];
        }
        for (var m = n2.c.length - 1; m >= 0; m--) stack.push(n2.c[m]);
      }
    }
    box.appendChild(frag);
    box.style.height = ((maxDepth + 1) * ROW + 2) + 'px';
    box.addEventListener('click', function (ev) {
      var t = ev.target.closest ? ev.target.closest('.blk') : null;
      if (t) reveal(Number(t.getAttribute('data-node')), true);
    });
  }

  // the query, server and settings
  var qs = section(root, 'query', 'Query');
  if (plan.query) add(add(qs, el('pre')), el('code', null, plan.query));
  else add(qs, el('p', 'muted', 'No query text: the plan came from a file.'));
  var ss = section(root, 'server', 'Server and settings');
  var dl = add(ss, el('dl', 'settings'));
  function pair(k, v) { add(dl, el('dt', null, k)); add(dl, el('dd', null, v)); }
  pair('server', plan.server || 'unknown (a plan from a file)');
  pair('executed', plan.analyzed ? 'yes (EXPLAIN ANALYZE, rolled back)' : 'no (estimated plan)');
  if (plan.settings.length === 0) pair('settings', 'all planner settings at their defaults');
  plan.settings.forEach(function (kv) { pair(kv[0], kv[1]); });

  return { reveal: reveal, root: root };
}

function renderCompare(data) {
  var c = data.comparison;
  var s = add(app, el('section', 'compare'));
  add(s, el('h2', null, 'What changed'));
  var t = c.totals;
  var verdict = add(s, el('p', 'verdict ' + (c.verdict === 'faster' ? 'good' : c.verdict === 'slower' ? 'badd' : '')));
  verdict.textContent = c.analyzed[0] && c.analyzed[1]
    ? 'Total ' + fmtMs(t.totalMs[0]) + ' \u2192 ' + fmtMs(t.totalMs[1]) + ' (' + data.speed + ')'
    : 'Estimated plans: no times to compare.';
  if (c.headlines.length) {
    var hl = add(s, el('ul', 'headlines'));
    c.headlines.forEach(function (h) {
      var li = add(hl, el('li', h.kind === 'improvement' ? 'good' : h.kind === 'regression' ? 'badd' : null));
      li.setAttribute('data-kind', h.kind);
      add(li, el('span', null, h.text + ' '));
      if (h.before !== null) add(li, button('before', 'goto', function () { show('b-', h.before); }));
      if (h.after !== null) add(li, button('after', 'goto', function () { show('a-', h.after); }));
    });
  } else add(s, el('p', 'muted', 'No change in the plan\u2019s operations worth naming.'));

  add(s, el('h3', null, 'Totals'));
  var tw = add(s, el('div', 'scroll'));
  var table = add(tw, el('table', 'totals'));
  var head = add(add(table, el('thead')), el('tr'));
  ['', 'before', 'after'].forEach(function (h) { add(head, el('th', null, h)); });
  var body = add(table, el('tbody'));
  function row(name, p, f) { var tr = add(body, el('tr')); add(tr, el('th', null, name)); add(tr, el('td', null, f(p[0]))); add(tr, el('td', null, f(p[1]))); }
  row('execution', t.executionMs, fmtMs);
  row('planning', t.planningMs, fmtMs);
  row('rows returned', t.rows, fmtCount);
  row('buffers hit', t.buffers.hit, fmtCount);
  row('buffers read', t.buffers.read, fmtCount);
  row('buffers written', t.buffers.written, fmtCount);
  row('temp buffers', t.buffers.temp, fmtCount);

  add(s, el('h3', null, 'Findings'));
  var dl = add(s, el('ul', 'diag-changes'));
  c.diagnostics.resolved.forEach(function (d) { var li = add(dl, el('li', 'good', '\u2714 gone: ' + d.id + (d.node ? ' (' + d.node + ')' : ''))); li.setAttribute('data-resolved', d.id); });
  c.diagnostics.appeared.forEach(function (d) { var li = add(dl, el('li', 'badd', '\u25B2 new: ' + d.id + (d.node ? ' (' + d.node + ')' : ''))); li.setAttribute('data-appeared', d.id); });
  c.diagnostics.remaining.forEach(function (d) { add(dl, el('li', 'muted', 'still: ' + d.id + (d.node ? ' (' + d.node + ')' : ''))); });
  if (!dl.children.length) add(dl, el('li', 'muted', 'No findings on either side.'));

  add(s, el('h3', null, 'Nodes'));
  var nw = add(s, el('div', 'scroll'));
  var nt = add(nw, el('table', 'nodes'));
  var nh = add(add(nt, el('thead')), el('tr'));
  ['before', 'after', 'time with children', 'own time', 'rows', 'buffers read'].forEach(function (h) { add(nh, el('th', null, h)); });
  var nb = add(nt, el('tbody'));
  c.matched.forEach(function (m) {
    var tr = add(nb, el('tr', m.kind === 'same' ? null : 'changed'));
    add(add(tr, el('td')), button(m.beforeLabel, 'goto', function () { show('b-', m.before); }));
    add(add(tr, el('td')), button(m.afterLabel + (m.notes.length ? ' (' + m.notes.join('; ') + ')' : ''), 'goto', function () { show('a-', m.after); }));
    add(tr, el('td', null, fmtMs(m.inclusiveMs[0]) + ' \u2192 ' + fmtMs(m.inclusiveMs[1])));
    add(tr, el('td', null, fmtMs(m.exclusiveMs[0]) + ' \u2192 ' + fmtMs(m.exclusiveMs[1])));
    add(tr, el('td', null, fmtCount(m.rows[0]) + ' \u2192 ' + fmtCount(m.rows[1])));
    add(tr, el('td', null, fmtCount(m.buffers.read[0]) + ' \u2192 ' + fmtCount(m.buffers.read[1])));
  });
  c.removed.forEach(function (n) { var tr = add(nb, el('tr', 'removed')); add(add(tr, el('td')), button(n.label, 'goto', function () { show('b-', n.id); })); add(tr, el('td', 'muted', 'gone')); add(tr, el('td', null, fmtMs(n.exclusiveMs) + ' own')); });
  c.added.forEach(function (n) { var tr = add(nb, el('tr', 'added')); add(tr, el('td', 'muted', 'new')); add(add(tr, el('td')), button(n.label, 'goto', function () { show('a-', n.id); })); add(tr, el('td', null, fmtMs(n.exclusiveMs) + ' own')); });

  var tabs = add(app, el('div'));
  tabs.setAttribute('role', 'tablist');
  var panels = {};
  var tabButtons = {};
  [['a-', 'After', data.after], ['b-', 'Before', data.before]].forEach(function (v) {
    var tb = add(tabs, button(v[1] + ' plan', 'tab'));
    tb.setAttribute('role', 'tab');
    tb.id = v[0] + 'tab';
    var panel = add(app, el('section', 'panel'));
    panel.setAttribute('role', 'tabpanel');
    panel.setAttribute('aria-labelledby', tb.id);
    panel.id = v[0] + 'panel';
    add(panel, el('h2', null, v[1]));
    views[v[0]] = renderPlan(v[2], v[0], panel);
    panels[v[0]] = panel;
    tabButtons[v[0]] = tb;
    tb.addEventListener('click', function () { select(v[0]); });
  });
  function select(prefix) {
    Object.keys(panels).forEach(function (p) {
      panels[p].hidden = p !== prefix;
      tabButtons[p].setAttribute('aria-selected', p === prefix ? 'true' : 'false');
    });
  }
  function show(prefix, id) { select(prefix); views[prefix].reveal(id, true); }
  select('a-');
}

if (DATA.kind === 'compare') renderCompare(DATA);
else views[''] = renderPlan(DATA.plan, '', app);
document.documentElement.setAttribute('data-ready', 'true');
})();
`;
