// What the checks and alerts pages share: a state badge with an icon and a word (not only a colour), shares as
// percentages, and the refresh loop (the status API has no event stream: the pages read it again every few seconds).
import { el } from './dom.js';

const icons = {
  up: '✓', resolved: '✓', down: '✗', firing: '✗', degraded: '◐', unknown: '?',
  acknowledged: '☑', silenced: '🔕', inhibited: '⊘', maintenance: '⚒', critical: '!!', warning: '!', info: 'i',
  sent: '✓', retrying: '↻', pending: '…', failed: '✗',
};

export function stateBadge(state) {
  const s = String(state || 'unknown');
  return el('span', { class: `badge s-${s.replace(/[^a-z-]/g, '')}` }, el('span', { 'aria-hidden': 'true', text: icons[s] ?? '•' }), ' ', s);
}

export function percent(share) {
  return `${(Math.floor(share * 100000) / 1000).toFixed(3).replace(/\.?0+$/, '')}%`;
}

// Calls draw now and every `seconds` while the page is shown; says in the live region when it last read.
export function refresh(draw, seconds = 5) {
  const status = document.getElementById('live');
  const tick = async () => {
    await draw();
    if (status) status.textContent = `Updated ${new Date().toLocaleTimeString()}; read again every ${seconds} s.`;
  };
  tick();
  const timer = setInterval(tick, seconds * 1000);
  addEventListener('pagehide', () => clearInterval(timer));
}
