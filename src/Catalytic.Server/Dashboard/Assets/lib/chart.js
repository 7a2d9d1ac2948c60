// The analysis chart: each check's error rate and p99 as points over time against the environment's limits,
// so a person sees at a glance why a release passed or was rolled back. SVG drawn with DOM calls (no inline
// style, no library); the same numbers are in a table beneath for screen readers and keyboard users.
import { el } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}, ...kids) => {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
};

export function analysisCharts(a) {
  const pct = v => `${(v * 100).toFixed(2).replace(/\.?0+$/, '')}%`;
  const ms = v => v === null || v === undefined ? 'n/a' : `${Math.round(v)} ms`;
  return el('div', {},
    el('div', { class: 'charts' },
      chart('Error rate', a.checks, c => c.errorRate, a.maxErrorRate, pct, 'max-error-rate'),
      chart('p99 latency', a.checks, c => c.p99Ms, a.maxP99Ms, ms, 'max-p99-latency')),
    table(a, pct, ms));
}

function chart(title, checks, value, limit, fmt, limitName) {
  const W = 560, H = 200, L = 64, R = 12, T = 16, B = 28;
  const t0 = Date.parse(checks[0].at), t1 = Date.parse(checks[checks.length - 1].at);
  const values = checks.map(value).filter(v => v !== null && v !== undefined);
  const top = Math.max(...values, limit ?? 0) * 1.15 || 1;
  const x = t => L + (t1 === t0 ? (W - L - R) / 2 : (Date.parse(t) - t0) / (t1 - t0) * (W - L - R));
  const y = v => T + (1 - v / top) * (H - T - B);
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': `${title} of each analysis check${limit != null ? `, limit ${fmt(limit)}` : ''}` },
    svg('title', {}, `${title} per check`));
  for (const f of [0, 0.5, 1]) {
    g.append(svg('line', { x1: L, x2: W - R, y1: y(top * f / 1.15), y2: y(top * f / 1.15), class: 'grid' }),
      svg('text', { x: L - 6, y: y(top * f / 1.15) + 4, 'text-anchor': 'end', class: 'axis' }, fmt(top * f / 1.15)));
  }
  if (limit !== null && limit !== undefined) {
    g.append(svg('line', { x1: L, x2: W - R, y1: y(limit), y2: y(limit), class: 'limit' }),
      svg('text', { x: W - R, y: y(limit) - 5, 'text-anchor': 'end', class: 'limit-label' }, `${limitName} ${fmt(limit)}`));
  }
  const pts = checks.filter(c => value(c) !== null && value(c) !== undefined);
  if (pts.length > 1) g.append(svg('polyline', { points: pts.map(c => `${x(c.at)},${y(value(c))}`).join(' '), class: 'series' }));
  for (const c of pts) {
    const shape = c.verdict === 'fail'
      ? svg('path', { d: `M${x(c.at) - 5},${y(value(c)) - 5}l10,10m0,-10l-10,10`, class: 'pt fail' })
      : svg('circle', { cx: x(c.at), cy: y(value(c)), r: 4.5, class: `pt ${c.verdict}` });
    shape.append(svg('title', {}, `${new Date(c.at).toLocaleTimeString()}: ${c.verdict}, ${fmt(value(c))} (${c.requests} requests, ${c.errors} errors)`));
    g.append(shape);
  }
  g.append(svg('text', { x: L, y: H - 8, class: 'axis' }, new Date(t0).toLocaleTimeString()),
    svg('text', { x: W - R, y: H - 8, 'text-anchor': 'end', class: 'axis' }, new Date(t1).toLocaleTimeString()));
  return el('figure', { class: 'chart-box' }, g, el('figcaption', {}, `${title}: ✓ pass, ✗ fail, ? inconclusive; dashed line: ${limit != null ? `${limitName} ${fmt(limit)}` : 'no limit set'}`));
}

function table(a, pct, ms) {
  return el('details', { class: 'checks' }, el('summary', {}, `The ${a.checks.length} check(s) as a table`),
    el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, ['Time', 'Version', 'Verdict', 'Requests', 'Errors', 'Error rate', 'p99'].map(h => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, a.checks.map(c => el('tr', {},
        el('td', { text: new Date(c.at).toLocaleTimeString() }), el('td', { text: c.version }), el('td', { text: c.verdict }),
        el('td', { text: c.requests }), el('td', { text: c.errors }), el('td', { text: pct(c.errorRate) }), el('td', { text: ms(c.p99Ms) })))))));
}
