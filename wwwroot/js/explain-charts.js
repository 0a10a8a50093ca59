// Canvas drawings of the explainer panel: per-dimension bars of μ ± σ, ε and z; the (x − x̂)² heat map;
// KL per dimension; the draws of q(z|x) against draws of the prior N(0, I).

import { SIDE, star } from './pixels.js';

export const ACCENT = '#2f5fb3';
export const PRIOR_DRAWS = 300;

const ROW = 18;
const LABEL = 30;

function sizeRows(canvas, rows, width) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round((rows * ROW + 18) * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${rows * ROW + 18}px`;
  const c = canvas.getContext('2d');
  c.setTransform(ratio, 0, 0, ratio, 0, 0);
  c.clearRect(0, 0, width, rows * ROW + 18);
  c.font = '10px ui-monospace, monospace';
  c.textBaseline = 'middle';
  return c;
}

/** An axis from −range to range on the row area of a canvas, with ticks labelled at the bottom. */
function axis(c, width, rows, range, withLabels) {
  const x0 = withLabels ? LABEL : 4;
  const scale = (v) => x0 + ((Math.max(-range, Math.min(range, v)) + range) / (2 * range)) * (width - x0 - 4);
  c.strokeStyle = '#ccd';
  c.beginPath();
  c.moveTo(scale(0), 0); c.lineTo(scale(0), rows * ROW);
  c.stroke();
  c.fillStyle = '#667';
  c.textAlign = 'center';
  for (const t of [-range, 0, range]) c.fillText(String(t), scale(t), rows * ROW + 9);
  return scale;
}

export function drawMuSigma(canvas, dims, mu, sigma, width) {
  const c = sizeRows(canvas, dims.length, width);
  const scale = axis(c, width, dims.length, 3, true);
  dims.forEach((j, r) => {
    const y = r * ROW + ROW / 2;
    c.fillStyle = '#e6e8ef';
    c.fillRect(scale(-1), y - 6, scale(1) - scale(-1), 12);
    c.fillStyle = ACCENT;
    c.globalAlpha = 0.45;
    c.fillRect(scale(mu[j] - sigma[j]), y - 4, Math.max(1, scale(mu[j] + sigma[j]) - scale(mu[j] - sigma[j])), 8);
    c.globalAlpha = 1;
    c.fillStyle = '#111';
    c.fillRect(scale(mu[j]) - 1, y - 6, 2, 12);
    c.fillStyle = '#445';
    c.textAlign = 'left';
    c.fillText(`z${j}`, 2, y);
  });
}

export function drawBars(canvas, dims, values, range, width) {
  const c = sizeRows(canvas, dims.length, width);
  const scale = axis(c, width, dims.length, range, false);
  dims.forEach((j, r) => {
    const y = r * ROW + ROW / 2;
    c.fillStyle = values[j] >= 0 ? '#2f9e44' : '#e8590c';
    const [a, b] = [scale(0), scale(values[j])];
    c.fillRect(Math.min(a, b), y - 4, Math.max(1, Math.abs(b - a)), 8);
  });
}

export function drawZ(canvas, dims, mu, sigma, draws, chosen, width) {
  const c = sizeRows(canvas, dims.length, width);
  const scale = axis(c, width, dims.length, 3, false);
  dims.forEach((j, r) => {
    const y = r * ROW + ROW / 2;
    c.fillStyle = '#e6e8ef';
    c.fillRect(scale(mu[j] - sigma[j]), y - 6, Math.max(1, scale(mu[j] + sigma[j]) - scale(mu[j] - sigma[j])), 12);
    c.fillStyle = ACCENT;
    c.globalAlpha = 0.3;
    for (const d of draws) c.fillRect(scale(d.z[j]) - 1, y - 4, 2, 8);
    c.globalAlpha = 1;
    c.fillStyle = '#111';
    c.beginPath();
    c.arc(scale(draws[chosen].z[j]), y, 3.5, 0, 7);
    c.fill();
  });
}

/** (x − x̂)² per pixel, black (0) through red to yellow (1). */
export function heat(canvas, x, decoded) {
  const c = canvas.getContext('2d');
  const image = c.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = Math.min(1, (x[i] - decoded[i]) ** 2);
    const t = Math.sqrt(v);
    image.data[i * 4] = Math.round(255 * Math.min(1, t * 2));
    image.data[i * 4 + 1] = Math.round(255 * Math.max(0, t * 2 - 1));
    image.data[i * 4 + 2] = 0;
    image.data[i * 4 + 3] = 255;
  }
  const scratch = document.createElement('canvas');
  scratch.width = SIDE;
  scratch.height = SIDE;
  scratch.getContext('2d').putImageData(image, 0, 0);
  c.imageSmoothingEnabled = false;
  c.drawImage(scratch, 0, 0, canvas.width, canvas.height);
}

export function drawKl(canvas, order, kl, threshold) {
  const width = 300;
  const height = 120;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const c = canvas.getContext('2d');
  c.setTransform(ratio, 0, 0, ratio, 0, 0);
  c.clearRect(0, 0, width, height);
  const top = Math.max(...kl, 1e-6);
  const bar = (width - 30) / order.length;
  c.font = '10px ui-monospace, monospace';
  c.fillStyle = '#667';
  c.textAlign = 'right';
  c.textBaseline = 'middle';
  c.fillText(top.toFixed(2), 26, 6);
  c.fillText('0', 26, height - 12);
  order.forEach((j, i) => {
    const h = (kl[j] / top) * (height - 20);
    c.fillStyle = kl[j] > threshold ? ACCENT : '#bbc';
    c.fillRect(30 + i * bar, height - 12 - h, Math.max(1, bar - 1), Math.max(h, 1));
  });
  c.fillStyle = '#667';
  c.textAlign = 'left';
  c.fillText('dimensions, largest KL first', 30, height - 4);
}

/** A deterministic normal draw (Box–Muller over a small LCG) so the grey cloud does not flicker between renders. */
function priorDraws(n) {
  let s = 12345;
  const uniform = () => { s = (s * 1103515245 + 12345) % 2147483648; return (s + 1) / 2147483649; };
  return Array.from({ length: n }, () => {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const t = 2 * Math.PI * uniform();
    return [r * Math.cos(t), r * Math.sin(t)];
  });
}

const PRIOR = priorDraws(PRIOR_DRAWS);

export function prior(canvas, a1, a2, a, sigma) {
  const size = 200;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(size * ratio);
  canvas.height = Math.round(size * ratio);
  const c = canvas.getContext('2d');
  c.setTransform(ratio, 0, 0, ratio, 0, 0);
  c.fillStyle = '#fbfbfd';
  c.fillRect(0, 0, size, size);
  const range = Math.max(3.5, Math.abs(a.mu[a1]) + 3 * sigma[a1], Math.abs(a.mu[a2]) + 3 * sigma[a2]);
  const px = (v) => size / 2 + (v / range) * (size / 2 - 6);
  const py = (v) => size / 2 - (v / range) * (size / 2 - 6);
  c.strokeStyle = '#dde';
  c.beginPath();
  c.moveTo(0, py(0)); c.lineTo(size, py(0)); c.moveTo(px(0), 0); c.lineTo(px(0), size);
  c.stroke();
  c.fillStyle = '#99a';
  for (const [u, v] of PRIOR) c.fillRect(px(u) - 1, py(v) - 1, 2, 2);
  c.strokeStyle = ACCENT;
  c.beginPath();
  c.ellipse(px(a.mu[a1]), py(a.mu[a2]), Math.max(1, (sigma[a1] / range) * (size / 2 - 6)), Math.max(1, (sigma[a2] / range) * (size / 2 - 6)), 0, 0, 7);
  c.stroke();
  c.fillStyle = ACCENT;
  for (const d of a.draws) { c.beginPath(); c.arc(px(d.z[a1]), py(d.z[a2]), 2.5, 0, 7); c.fill(); }
  c.fillStyle = '#111';
  star(c, px(a.mu[a1]), py(a.mu[a2]), 7);
}
