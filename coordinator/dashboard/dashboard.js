// The GeoFed live dashboard: listens to /dashboard/events (server-sent events, each the whole state) and redraws.
// Plain script, SVG drawn by hand: no framework and no build step, so the coordinator can serve it as it is.
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const MARGIN = { left: 46, right: 12, top: 24, bottom: 30 };

function el(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function viewSize(svg) {
  const box = svg.viewBox.baseVal;
  return { width: box.width, height: box.height };
}

function emptyNote(svg, message) {
  const { width, height } = viewSize(svg);
  svg.appendChild(el('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'empty' }, message));
}

/** Round numbers for an axis: about five, at 1, 2 or 5 times a power of ten. */
function ticks(lo, hi, count = 5) {
  const span = hi - lo || 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => span / s <= count) ?? raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A line chart over rounds: one series per entry, with a legend that shows each line's colour and dash. */
function lineChart(svg, series, { yMin, yMax, yLabel }) {
  clear(svg);
  const { width, height } = viewSize(svg);
  const points = series.flatMap((s) => s.points);
  if (points.length === 0) return emptyNote(svg, 'no completed round yet');
  const maxRound = Math.max(2, ...points.map((p) => p.x));
  const lo = yMin ?? Math.min(...points.map((p) => p.y));
  const hi = yMax ?? Math.max(...points.map((p) => p.y));
  const pad = lo === hi ? 1 : 0;
  const x = (v) => MARGIN.left + ((v - 1) / (maxRound - 1)) * (width - MARGIN.left - MARGIN.right);
  const y = (v) => height - MARGIN.bottom - ((v - lo + pad) / (hi - lo + 2 * pad)) * (height - MARGIN.top - MARGIN.bottom);
  for (const t of ticks(lo - pad, hi + pad)) {
    svg.appendChild(el('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(t), y2: y(t), class: 'grid' }));
    svg.appendChild(el('text', { x: MARGIN.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, String(t)));
  }
  for (const t of ticks(1, maxRound).filter((v) => Number.isInteger(v) && v >= 1)) {
    svg.appendChild(el('text', { x: x(t), y: height - MARGIN.bottom + 16, 'text-anchor': 'middle' }, String(t)));
  }
  svg.appendChild(el('line', { x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: height - MARGIN.bottom, class: 'axis' }));
  svg.appendChild(el('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: height - MARGIN.bottom, y2: height - MARGIN.bottom, class: 'axis' }));
  svg.appendChild(el('text', { x: width - MARGIN.right, y: height - 4, 'text-anchor': 'end' }, 'round'));
  svg.appendChild(el('text', { x: 4, y: 12 }, yLabel));
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const path = s.points.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
    svg.appendChild(el('polyline', { points: path, fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-dasharray': s.dash ?? '' }));
    for (const p of s.points) svg.appendChild(el('circle', { cx: x(p.x), cy: y(p.y), r: 2.5, fill: s.color }));
    // Legend: a short sample of the line itself, so lines that share colours or axes can be told apart.
    const ly = MARGIN.top + 4 + 16 * i;
    const lx = width - MARGIN.right - 190;
    svg.appendChild(el('line', { x1: lx, x2: lx + 22, y1: ly, y2: ly, stroke: s.color, 'stroke-width': 2, 'stroke-dasharray': s.dash ?? '' }));
    svg.appendChild(el('text', { x: lx + 28, y: ly + 4 }, s.label));
  });
  svg.dataset.rounds = String(Math.max(...points.map((p) => p.x)));
}

const finite = (v) => typeof v === 'number' && Number.isFinite(v);
const seriesOf = (history, key) => history.filter((r) => finite(r[key])).map((r) => ({ x: r.round, y: r[key] }));

function drawCurves(state) {
  lineChart(document.getElementById('accuracy-chart'), [{ label: 'test accuracy', color: PALETTE[0], points: seriesOf(state.history, 'testAccuracy') }], {
    yMin: 0,
    yMax: 1,
    yLabel: 'accuracy',
  });
  lineChart(
    document.getElementById('loss-chart'),
    [
      { label: 'test loss', color: PALETTE[1], points: seriesOf(state.history, 'testLoss') },
      { label: 'train loss (local objective)', color: PALETTE[2], dash: '5 3', points: seriesOf(state.history, 'trainLoss') },
    ],
    { yMin: 0, yLabel: 'loss' },
  );
}

function duration(seconds) {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function drawProgress(state) {
  document.getElementById('title').textContent = state.title;
  const badge = document.getElementById('state');
  badge.textContent = state.state;
  badge.className = `badge ${state.state}`;
  document.getElementById('round-label').textContent = `round ${state.round} / ${state.rounds}`;
  document.getElementById('progress-bar').style.width = `${(100 * state.round) / Math.max(1, state.rounds)}%`;
  // ETA from the recent rounds' pace: early rounds (warm-up, waiting for clients) say little about the rest.
  const recent = state.history.slice(-5);
  const remaining = state.rounds - state.round;
  const eta = document.getElementById('eta');
  if (state.state === 'finished') eta.textContent = 'done';
  else if (recent.length === 0) eta.textContent = 'ETA after the first round';
  else eta.textContent = `ETA ${duration((remaining * recent.reduce((s, r) => s + r.seconds, 0)) / recent.length)} (${duration(recent.at(-1).seconds)} per round lately)`;
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function drawClients(state) {
  const body = document.querySelector('#clients tbody');
  body.replaceChildren(
    ...state.clients.map((c) => {
      const row = document.createElement('tr');
      const conn = c.connection;
      const cells = [
        [c.id],
        [conn ? conn.state : state.title.startsWith('simulation') ? 'virtual' : 'not connected'],
        [conn ? `${Math.max(0, Math.round((Date.now() - conn.lastSeenMs) / 1000))} s ago` : '–'],
        [conn && conn.round !== undefined ? `working on round ${conn.round}` : c.lastRound > 0 ? `last in round ${c.lastRound}` : 'not selected yet'],
        [c.samples, 'num'],
        [`${bytes(c.bytesUp)} / ${bytes(c.bytesDown)}`, 'num'],
        [c.selected, 'num'],
        [c.accepted, 'num'],
        [c.refused, 'num'],
        [c.lastRefusal ? `round ${c.lastRefusal.round}: ${c.lastRefusal.reason}` : '', 'reason'],
      ];
      for (const [text, cls] of cells) {
        const td = document.createElement('td');
        td.textContent = String(text);
        if (cls) td.className = cls;
        row.appendChild(td);
      }
      return row;
    }),
  );
}

function drawSkew(state) {
  const svg = document.getElementById('skew');
  clear(svg);
  const rows = state.clients.filter((c) => c.classCounts);
  if (rows.length === 0) return emptyNote(svg, 'class counts not known (they come with the class statistics or the partition)');
  const classes = Math.max(...rows.map((r) => r.classCounts.length));
  const { width } = viewSize(svg);
  const left = 90;
  const top = 16;
  const cw = (width - left - 8) / classes;
  const ch = 22;
  // The picture grows with the clients instead of squeezing them.
  svg.setAttribute('viewBox', `0 0 ${width} ${Math.max(120, top + ch * rows.length + 8)}`);
  const max = Math.max(1, ...rows.flatMap((r) => r.classCounts));
  for (let k = 0; k < classes; k++) {
    // Class names where they fit over their column, else the class index (the cell's tooltip has the name).
    const name = state.classNames[k] ?? String(k);
    const label = name.length * 6.5 <= cw ? name : String(k);
    svg.appendChild(el('text', { x: left + cw * (k + 0.5), y: top - 4, 'text-anchor': 'middle' }, label));
  }
  rows.forEach((r, i) => {
    svg.appendChild(el('text', { x: left - 6, y: top + ch * (i + 0.5) + 4, 'text-anchor': 'end' }, r.id));
    r.classCounts.forEach((n, k) => {
      // Square-root shading so that a few dominant classes do not wash out the small ones.
      const shade = Math.sqrt(n / max);
      const cell = el('rect', { x: left + cw * k, y: top + ch * i, width: cw - 1, height: ch - 1, fill: `rgba(58, 111, 216, ${shade.toFixed(3)})` });
      cell.appendChild(el('title', {}, `${r.id}, ${state.classNames[k] ?? k}: ${n} samples`));
      svg.appendChild(cell);
    });
  });
}

function drawGeometry(state) {
  const svg = document.getElementById('geometry');
  clear(svg);
  const g = state.geometry;
  if (!g) return emptyNote(svg, 'no pooled geometry (GeoFed-family methods share one after their first round)');
  const { width, height } = viewSize(svg);
  const xs = g.classes.flatMap((c) => [c.x - c.rx, c.x + c.rx]);
  const ys = g.classes.flatMap((c) => [c.y - c.rx, c.y + c.rx]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  // One scale for both axes, so ellipses keep their true shape.
  const scale = Math.min((width - 20) / (x1 - x0 || 1), (height - 30) / (y1 - y0 || 1));
  const px = (v) => 10 + (v - x0) * scale;
  const py = (v) => height - 10 - (v - y0) * scale;
  g.classes.forEach((c, i) => {
    const color = PALETTE[c.label % PALETTE.length] ?? PALETTE[i % PALETTE.length];
    const degrees = (-c.angle * 180) / Math.PI;
    svg.appendChild(
      el('ellipse', {
        cx: px(c.x), cy: py(c.y), rx: Math.max(0.5, c.rx * scale), ry: Math.max(0.5, c.ry * scale),
        transform: `rotate(${degrees.toFixed(2)} ${px(c.x).toFixed(1)} ${py(c.y).toFixed(1)})`,
        fill: color, 'fill-opacity': 0.08, stroke: color, 'stroke-width': 1.5,
      }),
    );
    svg.appendChild(el('circle', { cx: px(c.x), cy: py(c.y), r: 4, fill: color }));
    svg.appendChild(el('text', { x: px(c.x), y: py(c.y) - 7, 'text-anchor': 'middle' }, state.classNames[c.label] ?? String(c.label)));
  });
  svg.appendChild(el('text', { x: 6, y: 14 }, `round ${g.round}: prototypes, 2-sigma ellipses, top-2 principal plane`));
}

function render(state) {
  drawProgress(state);
  drawCurves(state);
  drawClients(state);
  drawSkew(state);
  drawGeometry(state);
  document.getElementById('config').textContent = JSON.stringify(state.config, null, 2);
}

function connect() {
  const token = new URLSearchParams(location.search).get('token');
  const badge = document.getElementById('connection');
  const source = new EventSource(`/dashboard/events${token ? `?token=${encodeURIComponent(token)}` : ''}`);
  source.onopen = () => {
    badge.textContent = 'live';
    badge.className = 'badge live';
  };
  source.onmessage = (event) => render(JSON.parse(event.data));
  // EventSource reconnects by itself; the badge says so meanwhile.
  source.onerror = () => {
    badge.textContent = token === null ? 'connection lost, retrying (or an operator token is needed: /?token=…)' : 'connection lost, retrying';
    badge.className = 'badge lost';
  };
}

connect();
