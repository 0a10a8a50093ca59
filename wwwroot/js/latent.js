// Latent map panel: loads the map, decodes the point under the pointer live into the preview,
// and compares a clicked test digit with its reconstruction.

import { getJson, lossText, postJson, showError } from './api.js';
import { LiveDecoder } from './live.js';
import { LatentMap } from './map.js';
import { LABEL_COLOURS, blank, drawDigit } from './pixels.js';
import { store } from './store.js';
import { $, el, every } from './dom.js';

const canvas = $('map');
const preview = $('preview');
const error = $('latent-error');
export const map = new LatentMap(canvas);
export const decoder = new LiveDecoder(
  (pixels, answer, info) => {
    drawDigit(preview, pixels);
    preview.dataset.updates = String(decoder.updates);
    $('preview-info').textContent = `${info || 'decoded'} · model ${answer.modelVersion}`;
    showError(error, null);
  },
  (e) => showError(error, e),
);

let dragging = false;
let downAt = null;
/** Until the pointer (or a key) first moves the preview, it shows the digit nearest the map's centre. */
let touched = false;

export function initLatent() {
  blank(preview);
  legend();
  canvas.addEventListener('pointerdown', (e) => {
    if (!map.bounds) return;
    dragging = true;
    downAt = { x: e.clientX, y: e.clientY };
    canvas.setPointerCapture(e.pointerId);
    follow(e);
  });
  canvas.addEventListener('pointermove', (e) => { if (map.bounds) follow(e); });
  canvas.addEventListener('pointerdown', () => { touched = true; }, { capture: true });
  canvas.addEventListener('pointermove', () => { touched = true; }, { capture: true });
  canvas.addEventListener('keydown', () => { touched = true; }, { capture: true });
  canvas.addEventListener('pointerup', (e) => {
    if (!dragging) return;
    dragging = false;
    const moved = downAt && Math.hypot(e.clientX - downAt.x, e.clientY - downAt.y) > 4;
    const pos = map.planeAt(e.clientX, e.clientY);
    if (!moved) pick(pos);
    else store.select(map.toLatent(pos.x, pos.y), planeLabel(pos));
  });
  canvas.addEventListener('pointercancel', () => { dragging = false; });
  canvas.addEventListener('keydown', keyboard);
  store.on('model', () => load());
  store.on('drawing', (d) => { if (map.projection && d?.mu) map.mark('drawing', map.toPlane(d.mu)); });
  every(500, () => { $('decode-rate').textContent = String(decoder.rate); });
  return store.modelVersion ? load() : Promise.resolve(noModel());
}

function noModel() {
  error.hidden = false;
  error.textContent = 'No model yet: the map appears when the first epoch of a run ends.';
}

async function load() {
  if (!store.modelVersion) return noModel();
  try {
    const data = await getJson('/latent-map');
    map.setData(data);
    store.projection = map.projection;
    canvas.dataset.points = String(data.points.length);
    const variance = data.explainedVarianceRatio?.map((v) => `${(v * 100).toFixed(0)}%`).join(' + ');
    $('map-info').textContent = `${data.points.length} test digits of ${data.dataset}${variance ? `; the two axes explain ${variance} of the variance of μ` : ''}.`;
    canvas.setAttribute('aria-label', `Latent map of ${data.points.length} test digits${variance ? ` (PCA explains ${variance} of the variance)` : ''}. Arrow keys move the decoded point, Enter picks the nearest digit.`);
    if (store.drawing?.mu) map.mark('drawing', map.toPlane(store.drawing.mu));
    store.emit('map', data);
    showError(error, null);
    await previewCentre();
  } catch (e) {
    showError(error, e);
  }
}

/**
 * At first view the preview is not a black box: it shows the test digit nearest the map's centre
 * (its point on the plane, decoded), until the pointer moves. Not counted as a live update.
 */
async function previewCentre() {
  const { x0, x1, y0, y1 } = map.bounds;
  const centre = { x: (x0 + x1) / 2, y: (y0 + y1) / 2 };
  const point = map.nearest(centre, Infinity);
  if (!point || touched) return;
  const answer = await postJson('/decode', { z: map.toLatent(point.x, point.y) });
  if (touched) return;
  drawDigit(preview, answer.images[0]);
  preview.dataset.centre = String(point.index);
  $('preview-info').textContent = `nearest the centre: test #${point.index} (a ${point.label}) · model ${answer.modelVersion}`;
}

function legend() {
  $('map-legend').replaceChildren(...LABEL_COLOURS.map((colour, digit) => {
    const dot = el('i', { className: 'dot' });
    dot.style.background = colour;
    return el('span', { className: 'legend-item' }, dot, String(digit));
  }));
}

const planeLabel = (pos) => `map point (${pos.x.toFixed(2)}, ${pos.y.toFixed(2)})`;

function follow(e) {
  const pos = map.planeAt(e.clientX, e.clientY);
  map.setCursor(pos);
  decoder.request(map.toLatent(pos.x, pos.y), planeLabel(pos));
}

/** A click: the digit under the pointer if any (compared with its reconstruction), else the plane point. */
async function pick(pos) {
  const point = map.nearest(pos);
  if (!point) {
    map.setPicked(null);
    store.select(map.toLatent(pos.x, pos.y), planeLabel(pos));
    return;
  }
  map.setPicked(point);
  await compare(point);
}

async function compare(point) {
  try {
    const item = await getJson(`/dataset/test/${point.index}?format=json`);
    const reconstruction = await postJson('/reconstruct', { pixels: item.pixels });
    $('compare').hidden = false;
    drawDigit($('compare-original'), item.pixels);
    drawDigit($('compare-recon'), reconstruction.images[0]);
    $('compare-original-caption').textContent = `Test #${item.index}, a ${item.label}`;
    $('compare-recon-caption').textContent = `Reconstruction${lossText(reconstruction)}`;
    $('compare').dataset.index = String(item.index);
    const description = `test #${item.index} (a ${item.label})`;
    const mu = reconstruction.mu[0];
    store.select(mu, description);
    decoder.request(mu, `μ of ${description}`);
  } catch (e) {
    showError(error, e);
  }
}

function keyboard(e) {
  if (!map.bounds) return;
  const { x0, x1, y0, y1 } = map.bounds;
  const [dx, dy] = [(x1 - x0) / 40, (y1 - y0) / 40];
  const pos = map.cursor || { x: (x0 + x1) / 2, y: (y0 + y1) / 2 };
  const moves = { ArrowLeft: [-dx, 0], ArrowRight: [dx, 0], ArrowUp: [0, dy], ArrowDown: [0, -dy] };
  if (moves[e.key]) {
    e.preventDefault();
    const next = { x: Math.min(x1, Math.max(x0, pos.x + moves[e.key][0])), y: Math.min(y1, Math.max(y0, pos.y + moves[e.key][1])) };
    map.setCursor(next);
    decoder.request(map.toLatent(next.x, next.y), planeLabel(next));
  } else if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    const nearest = map.nearest(pos, 1e6);
    if (e.key === 'Enter' && nearest) { map.setPicked(nearest); compare(nearest); } else store.select(map.toLatent(pos.x, pos.y), planeLabel(pos));
  }
}

