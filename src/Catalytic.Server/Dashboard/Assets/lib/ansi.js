// ANSI SGR colours (the escapes build tools print) to spans with classes: 30-37/90-97 foreground, 40-47/100-107
// background, bold, dim, italic, underline; anything else is dropped. Text goes in with textContent only.
const ESC = /\x1b\[([0-9;]*)([A-Za-z])/g;

export function ansiToNodes(line) {
  const out = [];
  let fg = null, bg = null, bold = false, dim = false, italic = false, underline = false, last = 0, m;
  const push = text => {
    if (!text) return;
    const cls = [fg && `fg-${fg}`, bg && `bg-${bg}`, bold && 'b', dim && 'dim', italic && 'i', underline && 'u'].filter(Boolean).join(' ');
    if (!cls) { out.push(document.createTextNode(text)); return; }
    const s = document.createElement('span');
    s.className = cls;
    s.textContent = text;
    out.push(s);
  };
  ESC.lastIndex = 0;
  while ((m = ESC.exec(line)) !== null) {
    push(line.slice(last, m.index));
    last = ESC.lastIndex;
    if (m[2] !== 'm') continue;
    const codes = m[1] === '' ? [0] : m[1].split(';').map(Number);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c === 0) { fg = bg = null; bold = dim = italic = underline = false; }
      else if (c === 1) bold = true;
      else if (c === 2) dim = true;
      else if (c === 3) italic = true;
      else if (c === 4) underline = true;
      else if (c === 22) bold = dim = false;
      else if (c === 23) italic = false;
      else if (c === 24) underline = false;
      else if (c >= 30 && c <= 37) fg = c - 30;
      else if (c >= 90 && c <= 97) fg = c - 90 + 8;
      else if (c === 39) fg = null;
      else if (c >= 40 && c <= 47) bg = c - 40;
      else if (c >= 100 && c <= 107) bg = c - 100 + 8;
      else if (c === 49) bg = null;
      else if (c === 38 || c === 48) i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 0; // 256/true colour: skipped
    }
  }
  push(line.slice(last));
  return out;
}

export function stripAnsi(line) {
  return line.replace(ESC, '');
}
