// A virtualised log view: holds any number of lines (200,000 and more) but puts only the rows in sight into the
// DOM, so opening, following and scrolling stay smooth. Rows have one fixed height; the scroller's content is a
// spacer of rows × height, and the visible slice is redrawn on scroll (one animation frame at a time).
// `::group::NAME` … `::endgroup::` (GitHub's workflow commands) become foldable sections, folded by default;
// ANSI colours are drawn (lib/ansi.js); search highlights and jumps between matches; every line number is a
// link (#L123) that opens its group and scrolls to it.
import { ansiToNodes, stripAnsi } from './ansi.js';

const ROW = 20;
const OVERSCAN = 20;
const GROUP = /^(?:\[[^\]]+\] )?::group::(.*)$/;
const ENDGROUP = /^(?:\[[^\]]+\] )?::endgroup::\s*$/;

export class LogView {
  // `link` starts every line link (#L12 by default; the run page's keeps its job: #job=build&L12).
  constructor(parent, { label = 'Log', link = '#' } = {}) {
    this.link = link;
    this.lines = [];      // raw text
    this.group = [];      // for each line: index of the group header it belongs to, or -1
    this.kind = [];       // 0 line, 1 group header, 2 group end (hidden)
    this.open = new Set();
    this.visible = [];    // line indices shown, in order
    this.matches = [];
    this.match = -1;
    this.query = '';
    this.current = -1;
    this.follow = true;
    this.pending = false;
    this.target = null;   // a line asked for (#L…) that has not arrived yet

    this.toolbar = document.createElement('div');
    this.toolbar.className = 'log-tools';
    this.search = document.createElement('input');
    this.search.type = 'search';
    this.search.placeholder = 'Search the log';
    this.search.setAttribute('aria-label', 'Search the log');
    this.count = document.createElement('span');
    this.count.className = 'count';
    this.count.setAttribute('role', 'status');
    const prev = button('↑', 'Previous match', () => this.step(-1));
    const next = button('↓', 'Next match', () => this.step(1));
    this.followBox = button('Follow: on', 'Keep the newest line in sight', () => this.setFollow(!this.follow));
    this.followBox.setAttribute('aria-pressed', 'true');
    const expand = button('Expand all', 'Open every group', () => this.foldAll(true));
    const collapse = button('Collapse all', 'Close every group', () => this.foldAll(false));
    this.toolbar.append(this.search, prev, next, this.count, this.followBox, expand, collapse);

    this.scroller = document.createElement('div');
    this.scroller.className = 'log';
    this.scroller.tabIndex = 0;
    this.scroller.setAttribute('role', 'log');
    this.scroller.setAttribute('aria-label', label);
    this.spacer = document.createElement('div');
    this.spacer.className = 'log-spacer';
    this.rows = document.createElement('div');
    this.rows.className = 'log-rows';
    this.spacer.append(this.rows);
    this.scroller.append(this.spacer);
    parent.append(this.toolbar, this.scroller);

    this.search.addEventListener('keydown', e => { if (e.key === 'Enter') { e.preventDefault(); this.step(e.shiftKey ? -1 : 1); } });
    this.search.addEventListener('input', () => this.find(this.search.value));
    this.scroller.addEventListener('scroll', () => {
      const atEnd = this.scroller.scrollTop + this.scroller.clientHeight >= this.scroller.scrollHeight - ROW * 2;
      if (!atEnd && this.follow && this.userScrolled) this.setFollow(false);
      this.userScrolled = true;
      this.schedule();
    });
    this.scroller.addEventListener('click', e => {
      const t = e.target.closest('[data-group]');
      if (t) { this.toggle(Number(t.dataset.group)); return; }
      const a = e.target.closest('a.ln');
      if (a) { e.preventDefault(); history.replaceState(null, '', a.getAttribute('href')); this.goTo(Number(a.dataset.line), false); }
    });
    addEventListener('resize', () => this.schedule());
  }

  /** Adds lines (an array of strings); cheap per line, the view is redrawn once per frame. */
  append(newLines) {
    let openGroup = this.lines.length ? this.lastGroup ?? -1 : -1;
    const from = this.lines.length;
    for (const raw of newLines) {
      const i = this.lines.length;
      const plain = raw.length < 200 ? stripAnsi(raw) : raw;
      let m;
      if ((m = GROUP.exec(plain)) !== null) {
        this.lines.push(m[1] || 'group');
        this.kind.push(1);
        this.group.push(-1);
        openGroup = i;
      } else if (ENDGROUP.test(plain)) {
        this.lines.push('');
        this.kind.push(2);
        this.group.push(openGroup);
        openGroup = -1;
      } else {
        this.lines.push(raw);
        this.kind.push(0);
        this.group.push(openGroup);
      }
      if (this.isShown(i)) this.visible.push(i);
    }
    this.lastGroup = openGroup;
    // Only the new lines are searched: a log arriving in batches must not be searched whole once per batch.
    if (this.query) { this.findIn(from, this.query.toLowerCase()); this.counted(); }
    if (this.target !== null && this.target < this.lines.length) { const t = this.target; this.target = null; this.goTo(t); }
    this.schedule();
  }

  /** Goes to line i (0-based) now, or as soon as it has arrived (a #L link into a log still streaming in). */
  goToWhenLoaded(i) {
    if (i < this.lines.length) this.goTo(i); else { this.target = i; this.setFollow(false); }
  }

  isShown(i) {
    if (this.kind[i] === 2) return false;
    const g = this.group[i];
    return g < 0 || this.open.has(g);
  }

  rebuild() {
    const v = [];
    for (let i = 0; i < this.lines.length; i++) if (this.isShown(i)) v.push(i);
    this.visible = v;
    this.schedule();
  }

  toggle(g) {
    if (this.open.has(g)) this.open.delete(g); else this.open.add(g);
    this.rebuild();
  }

  foldAll(open) {
    this.open.clear();
    if (open) for (let i = 0; i < this.kind.length; i++) if (this.kind[i] === 1) this.open.add(i);
    this.rebuild();
  }

  setFollow(on) {
    this.follow = on;
    this.followBox.textContent = `Follow: ${on ? 'on' : 'off'}`;
    this.followBox.setAttribute('aria-pressed', String(on));
    if (on) this.schedule();
  }

  find(q) {
    this.query = q;
    this.matches = [];
    this.match = -1;
    if (q) this.findIn(0, q.toLowerCase());
    this.counted();
    if (this.matches.length) this.step(1);
    this.schedule();
  }

  findIn(from, needle) {
    for (let i = from; i < this.lines.length; i++) if (this.kind[i] !== 2 && this.lines[i].toLowerCase().includes(needle)) this.matches.push(i);
  }

  counted() {
    const n = this.matches.length;
    this.count.textContent = !this.query ? '' : this.match >= 0 ? `${this.match + 1} of ${n}` : `${n} match${n === 1 ? '' : 'es'}`;
  }

  step(d) {
    if (!this.matches.length) return;
    this.match = (this.match + d + this.matches.length) % this.matches.length;
    this.count.textContent = `${this.match + 1} of ${this.matches.length}`;
    this.goTo(this.matches[this.match], false);
  }

  /** Scrolls to line i (0-based), opening its group; marks it as the current line. */
  goTo(i, fromHash = true) {
    if (i < 0 || i >= this.lines.length) return;
    const g = this.group[i];
    if (g >= 0 && !this.open.has(g)) { this.open.add(g); this.rebuild(); }
    this.current = i;
    this.setFollow(false);
    const row = lowerBound(this.visible, i);
    // The spacer grows now, not at the next frame: opening the group may have made the target lie beyond its old end.
    this.spacer.style.height = `${this.visible.length * ROW}px`;
    this.scroller.scrollTop = Math.max(0, row * ROW - this.scroller.clientHeight / 3);
    if (fromHash) this.scroller.focus();
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  draw() {
    this.spacer.style.height = `${this.visible.length * ROW}px`;
    if (this.follow) { this.userScrolled = false; this.scroller.scrollTop = this.scroller.scrollHeight; }
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW) - OVERSCAN);
    const last = Math.min(this.visible.length, Math.ceil((this.scroller.scrollTop + this.scroller.clientHeight) / ROW) + OVERSCAN);
    this.rows.style.transform = `translateY(${first * ROW}px)`;
    const frag = document.createDocumentFragment();
    const needle = this.query.toLowerCase();
    for (let r = first; r < last; r++) {
      const i = this.visible[r];
      const row = document.createElement('div');
      row.className = 'log-line';
      row.id = `L${i + 1}`;
      if (i === this.current) row.classList.add('current');
      const ln = document.createElement('a');
      ln.className = 'ln';
      ln.href = `${this.link}L${i + 1}`;
      ln.dataset.line = String(i);
      ln.textContent = String(i + 1);
      ln.tabIndex = -1;
      row.append(ln);
      const text = document.createElement('span');
      text.className = 'tx';
      if (this.kind[i] === 1) {
        const open = this.open.has(i);
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'fold';
        b.dataset.group = String(i);
        b.setAttribute('aria-expanded', String(open));
        b.textContent = `${open ? '▾' : '▸'} ${this.lines[i]}`;
        text.append(b);
        row.classList.add('group');
      } else {
        if (this.group[i] >= 0) row.classList.add('in-group');
        text.append(...ansiToNodes(this.lines[i]));
        if (needle && this.lines[i].toLowerCase().includes(needle)) row.classList.add('hit');
      }
      row.append(text);
      frag.append(row);
    }
    this.rows.replaceChildren(frag);
  }
}

function button(text, title, onclick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.title = title;
  // A word on the button is its name; a lone arrow gets one (axe: the visible text must be part of the name).
  if (!/[a-z]/i.test(text)) b.setAttribute('aria-label', title);
  b.addEventListener('click', onclick);
  return b;
}

function lowerBound(a, x) {
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (a[mid] < x) lo = mid + 1; else hi = mid; }
  return lo;
}
