// The latent map: test-set encodings projected to 2-D by PCA, as a scatter coloured by digit.
// Plane coordinates map back to a full latent vector z = mean + x·c1 + y·c2; another projection
// (UMAP, see projection.js) brings its own points and its own way back to z.

import { LABEL_COLOURS, star } from './pixels.js';

export class LatentMap {
  constructor(canvas) {
    this.canvas = canvas;
    this.points = [];
    this.cursor = null;
    this.picked = null;
    this.marks = new Map();
    this.layer = document.createElement('canvas');
    new ResizeObserver(() => this.resize()).observe(canvas);
  }

  /** Sets the data of GET /latent-map. */
  setData(map) {
    const [c1, c2] = components(map.components, map.mean.length);
    this.projection = { mean: map.mean, c1, c2 };
    this.custom = null;
    this.setPoints(map.points);
  }

  /** Shows the points of another projection, which maps its plane back to z ({ toLatent, toPlane }). */
  usePoints(points, custom) {
    this.custom = custom;
    this.clearMarks();
    this.setPoints(points);
  }

  /** Cursor, picked point and markers sit on one projection's plane: a switch of projection drops them. */
  clearMarks() {
    this.cursor = null;
    this.picked = null;
    this.marks.clear();
  }

  setPoints(points) {
    this.points = points;
    const xs = this.points.map((p) => p.x);
    const ys = this.points.map((p) => p.y);
    const span = (v) => [Math.min(...v), Math.max(...v)];
    let [x0, x1] = xs.length ? span(xs) : [-1, 1];
    let [y0, y1] = ys.length ? span(ys) : [-1, 1];
    // Each axis spans its own data range plus a margin: the second component often has far less
    // variance than the first, and a square view would squash the cloud into a line.
    const padX = Math.max(x1 - x0, 1e-3) * 0.06;
    const padY = Math.max(y1 - y0, 1e-3) * 0.06;
    [x0, x1, y0, y1] = [x0 - padX, x1 + padX, y0 - padY, y1 + padY];
    this.bounds = { x0, x1, y0, y1 };
    this.renderLayer();
    this.draw();
  }

  toLatent(x, y) {
    if (this.custom) return this.custom.toLatent(x, y);
    const { mean, c1, c2 } = this.projection;
    return mean.map((m, j) => m + x * c1[j] + y * c2[j]);
  }

  /** The plane coordinates of a latent vector (its projection on the two components). */
  toPlane(z) {
    if (this.custom) return this.custom.toPlane(z);
    const { mean, c1, c2 } = this.projection;
    // A vector from an older model of another latent size has no place on this map.
    if (!z || z.length !== mean.length) return null;
    let x = 0; let y = 0; let n1 = 0; let n2 = 0;
    for (let j = 0; j < mean.length; j++) {
      const d = z[j] - mean[j];
      x += d * c1[j]; y += d * c2[j]; n1 += c1[j] * c1[j]; n2 += c2[j] * c2[j];
    }
    return { x: x / (n1 || 1), y: y / (n2 || 1) };
  }

  /** Plane coordinates under a pointer event's position. */
  planeAt(clientX, clientY) {
    const rect = this.canvas.getBoundingClientRect();
    const u = (clientX - rect.left) / rect.width;
    const v = (clientY - rect.top) / rect.height;
    const { x0, x1, y0, y1 } = this.bounds;
    return { x: x0 + u * (x1 - x0), y: y1 - v * (y1 - y0) };
  }

  /** The data point nearest to a plane position, if within `radius` CSS pixels. */
  nearest(pos, radius = 8) {
    const rect = this.canvas.getBoundingClientRect();
    const sx = rect.width / (this.bounds.x1 - this.bounds.x0);
    const sy = rect.height / (this.bounds.y1 - this.bounds.y0);
    let best = null;
    let bestDistance = radius * radius;
    for (const p of this.points) {
      const d = ((p.x - pos.x) * sx) ** 2 + ((p.y - pos.y) * sy) ** 2;
      if (d < bestDistance) { best = p; bestDistance = d; }
    }
    return best;
  }

  setCursor(pos) { this.cursor = pos; this.draw(); }

  setPicked(point) { this.picked = point; this.draw(); }

  /** A named marker (the drawing, a slider-edited point) at plane coordinates; null removes it. */
  mark(name, pos) {
    if (pos) this.marks.set(name, pos); else this.marks.delete(name);
    this.draw();
  }

  resize() {
    const ratio = window.devicePixelRatio || 1;
    const size = Math.round(this.canvas.clientWidth * ratio);
    if (size > 0 && size !== this.canvas.width) {
      this.canvas.width = size;
      this.canvas.height = size;
      this.renderLayer();
    }
    this.draw();
  }

  toPixel(p) {
    const { x0, x1, y0, y1 } = this.bounds;
    return [((p.x - x0) / (x1 - x0)) * this.canvas.width, ((y1 - p.y) / (y1 - y0)) * this.canvas.height];
  }

  /** The scatter itself is drawn once per data or size change; the cursor is drawn on top each move. */
  renderLayer() {
    if (!this.bounds) return;
    const { layer, canvas } = this;
    layer.width = canvas.width;
    layer.height = canvas.height;
    const c = layer.getContext('2d');
    c.fillStyle = '#fbfbfd';
    c.fillRect(0, 0, layer.width, layer.height);
    const r = Math.max(1.5, layer.width / 220);
    c.globalAlpha = 0.8;
    for (const p of this.points) {
      const [px, py] = this.toPixel(p);
      c.fillStyle = LABEL_COLOURS[p.label % 10];
      c.beginPath();
      c.arc(px, py, r, 0, 7);
      c.fill();
    }
    c.globalAlpha = 1;
  }

  draw() {
    const c = this.canvas.getContext('2d');
    if (!this.bounds) {
      c.clearRect(0, 0, this.canvas.width, this.canvas.height);
      return;
    }
    c.drawImage(this.layer, 0, 0);
    const unit = this.canvas.width / 240;
    if (this.picked) {
      const [px, py] = this.toPixel(this.picked);
      c.strokeStyle = '#111';
      c.lineWidth = unit;
      c.beginPath(); c.arc(px, py, 5 * unit, 0, 7); c.stroke();
    }
    for (const [name, pos] of this.marks) {
      const [px, py] = this.toPixel(pos);
      c.fillStyle = name === 'drawing' ? '#d7263d' : '#222';
      star(c, px, py, 7 * unit);
      c.strokeStyle = '#fff';
      c.lineWidth = unit * 0.8;
      c.stroke();
    }
    if (this.cursor) {
      const [px, py] = this.toPixel(this.cursor);
      c.strokeStyle = '#111';
      c.lineWidth = unit * 0.8;
      c.beginPath();
      c.moveTo(px - 8 * unit, py); c.lineTo(px + 8 * unit, py);
      c.moveTo(px, py - 8 * unit); c.lineTo(px, py + 8 * unit);
      c.stroke();
    }
  }
}

/** The two principal directions, accepting [2][d] or [d][2] layouts. */
function components(raw, d) {
  if (raw.length === 2 && raw[0].length === d) return [raw[0], raw[1]];
  if (raw.length === d && raw[0].length === 2) return [raw.map((r) => r[0]), raw.map((r) => r[1])];
  throw new Error(`The latent map's components have an unexpected shape (${raw.length}×${raw[0]?.length}).`);
}
