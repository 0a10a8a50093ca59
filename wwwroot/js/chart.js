// A small line chart on a canvas: a few series of (x, y) points, linear axes with round ticks.
// Hand-written because it needs far less than a charting library (a few hundred bytes of logic
// against tens of kilobytes) and must stay inside the page's transfer budget.

export class LineChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {HTMLElement} legend where the series' names are listed
   * @param {{key:string,label:string,colour:string,dash?:number[],width?:number,markers?:boolean}[]} series
   */
  constructor(canvas, legend, series, { xLabel = 'epoch', yLabel = 'loss per image', emptyText = 'Loss curves appear here while a run trains.' } = {}) {
    this.canvas = canvas;
    this.legend = legend;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
    this.emptyText = emptyText;
    this.pending = false;
    this.setSeries(series);
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  /** Replaces the series (and their points) and the legend: a chart whose lines come and go. */
  setSeries(series) {
    this.series = series.map((s) => ({ ...s, points: [] }));
    this.legend.replaceChildren(...this.series.map((s) => {
      const item = document.createElement('span');
      item.className = 'legend-item';
      const swatch = document.createElement('canvas');
      swatch.width = 28;
      swatch.height = 10;
      const c = swatch.getContext('2d');
      c.strokeStyle = s.colour;
      c.lineWidth = s.width || 1.5;
      c.setLineDash(s.dash || []);
      c.beginPath(); c.moveTo(1, 5); c.lineTo(27, 5); c.stroke();
      if (s.markers) { c.fillStyle = s.colour; c.beginPath(); c.arc(14, 5, 3, 0, 7); c.fill(); }
      item.append(swatch, document.createTextNode(s.label));
      return item;
    }));
    this.schedule();
  }

  clear() {
    for (const s of this.series) s.points = [];
    this.draw();
  }

  /** Adds a point to one series; keeps x increasing (a restarted run is cleared first). */
  add(key, x, y) {
    if (y == null || !Number.isFinite(y)) return;
    const s = this.series.find((t) => t.key === key);
    const last = s.points[s.points.length - 1];
    if (last && last.x === x) last.y = y;
    else if (!last || x > last.x) s.points.push({ x, y });
    this.schedule();
  }

  get pointCount() {
    return this.series.reduce((n, s) => n + s.points.length, 0);
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  draw() {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = canvas.clientWidth || canvas.width;
    const cssHeight = canvas.clientHeight || canvas.height;
    if (canvas.width !== Math.round(cssWidth * ratio) || canvas.height !== Math.round(cssHeight * ratio)) {
      canvas.width = Math.round(cssWidth * ratio);
      canvas.height = Math.round(cssHeight * ratio);
    }
    const c = canvas.getContext('2d');
    c.setTransform(ratio, 0, 0, ratio, 0, 0);
    c.clearRect(0, 0, cssWidth, cssHeight);
    const style = getComputedStyle(canvas);
    const ink = style.color || '#222';
    const all = this.series.flatMap((s) => s.points);
    const pad = { left: 52, right: 12, top: 10, bottom: 34 };
    const w = cssWidth - pad.left - pad.right;
    const h = cssHeight - pad.top - pad.bottom;
    c.font = '12px system-ui, sans-serif';
    c.fillStyle = ink;
    c.strokeStyle = ink;
    if (all.length === 0) {
      c.textAlign = 'center';
      c.fillText(this.emptyText, cssWidth / 2, cssHeight / 2);
      return;
    }
    const xMax = Math.max(1, ...all.map((p) => p.x));
    const yMax = niceCeil(Math.max(...all.map((p) => p.y)));
    const xTo = (x) => pad.left + (x / xMax) * w;
    const yTo = (y) => pad.top + h - (Math.max(0, y) / yMax) * h;

    c.globalAlpha = 0.25;
    c.lineWidth = 1;
    const yStep = niceStep(yMax / 5);
    for (let y = 0; y <= yMax + 1e-9; y += yStep) {
      c.beginPath(); c.moveTo(pad.left, yTo(y)); c.lineTo(pad.left + w, yTo(y)); c.stroke();
    }
    c.globalAlpha = 1;
    c.textAlign = 'right';
    c.textBaseline = 'middle';
    for (let y = 0; y <= yMax + 1e-9; y += yStep) c.fillText(format(y), pad.left - 6, yTo(y));
    c.textAlign = 'center';
    c.textBaseline = 'top';
    const xStep = Math.max(1, niceStep(xMax / 8));
    for (let x = 0; x <= xMax + 1e-9; x += xStep) c.fillText(format(x), xTo(x), pad.top + h + 4);
    c.fillText(this.xLabel, pad.left + w / 2, pad.top + h + 18);
    c.save();
    c.translate(12, pad.top + h / 2);
    c.rotate(-Math.PI / 2);
    c.fillText(this.yLabel, 0, -6);
    c.restore();
    c.beginPath(); c.moveTo(pad.left, pad.top); c.lineTo(pad.left, pad.top + h); c.lineTo(pad.left + w, pad.top + h); c.stroke();

    for (const s of this.series) {
      if (s.points.length === 0) continue;
      c.strokeStyle = s.colour;
      c.fillStyle = s.colour;
      c.lineWidth = s.width || 1.5;
      c.setLineDash(s.dash || []);
      c.beginPath();
      s.points.forEach((p, i) => (i ? c.lineTo(xTo(p.x), yTo(p.y)) : c.moveTo(xTo(p.x), yTo(p.y))));
      c.stroke();
      c.setLineDash([]);
      if (s.markers) {
        for (const p of s.points) { c.beginPath(); c.arc(xTo(p.x), yTo(p.y), 3.5, 0, 7); c.fill(); }
      }
    }
  }
}

function niceStep(raw) {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

function niceCeil(v) {
  const step = niceStep(v / 5);
  return Math.max(step, Math.ceil(v / step) * step);
}

function format(v) {
  return Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1);
}
