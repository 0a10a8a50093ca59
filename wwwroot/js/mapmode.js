// The latent map's projection switch: PCA (the map's own, from GET /latent-map) or UMAP of the same
// test digits' μ, computed in the browser (a worker running the vendored umap-js) each time a new
// model is served while UMAP is chosen. A UMAP plane point maps back to z by inverse-distance
// weighting of its nearest embedded points' μ (projection.js, loaded only when UMAP is chosen).

import { getJson, showError } from './api.js';
import { map } from './latent.js';
import { store } from './store.js';

const $ = (id) => document.getElementById(id);
let pca = null;
let pcaAccuracy = null;
let umapFor = null;
let running = null;

export function initMapMode() {
  // A link can open the page on a projection: …/#map=umap.
  const linked = new URLSearchParams(location.hash.slice(1)).get('map');
  const radio = linked && document.querySelector(`input[name="projection"][value="${CSS.escape(linked)}"]`);
  if (radio) radio.checked = true;
  for (const input of document.querySelectorAll('input[name="projection"]')) {
    input.addEventListener('change', () => apply());
  }
  store.on('map', (data) => {
    pca = data;
    pcaAccuracy = null;
    umapFor = null;
    $('map').dataset.projection = 'pca';
    if (chosen() === 'umap') apply();
  });
}

const chosen = () => document.querySelector('input[name="projection"]:checked')?.value || 'pca';

async function describePca() {
  const { knnAccuracy } = await import('./projection.js');
  pcaAccuracy ??= knnAccuracy(pca.points);
  const canvas = $('map');
  canvas.dataset.projection = 'pca';
  canvas.dataset.knn5 = pcaAccuracy.toFixed(4);
  $('projection-status').textContent = `PCA: the 5 nearest neighbours on the map share a digit's label for ${(pcaAccuracy * 100).toFixed(0)}% of the test digits.`;
}

async function apply() {
  const note = $('projection-note');
  if (chosen() === 'pca') {
    note.hidden = true;
    if (pca && map.custom) {
      map.clearMarks();
      map.setData(pca);
      markDrawing();
    }
    if (pca) describePca();
    return;
  }
  note.hidden = false;
  if (!pca) return;
  if (umapFor === pca.modelVersion) return;
  if (running) return running;
  running = showUmap().finally(() => { running = null; });
  return running;
}

async function showUmap() {
  const canvas = $('map');
  const status = $('projection-status');
  const started = performance.now();
  const version = pca.modelVersion;
  canvas.dataset.projection = 'umap-computing';
  status.textContent = 'UMAP: computing in your browser…';
  try {
    const { computeUmap, IdwProjection, knnAccuracy } = await import('./projection.js');
    pcaAccuracy ??= knnAccuracy(pca.points);
    const data = await getJson(`/latent-map?mu=true`);
    const result = await computeUmap(data.mu, (p) => { status.textContent = `UMAP: computing in your browser… ${(p * 100).toFixed(0)}%`; });
    // A newer model (or a switch back to PCA) arrived meanwhile: this embedding is of no use now.
    if (chosen() !== 'umap' || !pca || pca.modelVersion !== version || data.modelVersion !== version) {
      if (chosen() === 'umap' && pca) return showUmap();
      return;
    }
    const points = data.points.map((p, i) => ({ ...p, x: result.embedding[2 * i], y: result.embedding[2 * i + 1] }));
    map.usePoints(points, new IdwProjection(points, data.mu));
    markDrawing();
    umapFor = version;
    const seconds = (performance.now() - started) / 1000;
    const accuracy = knnAccuracy(points);
    canvas.dataset.projection = 'umap';
    canvas.dataset.knn5 = accuracy.toFixed(4);
    canvas.dataset.projectionSeconds = seconds.toFixed(2);
    status.textContent = `UMAP of ${points.length} test digits (${result.neighbours} neighbours, ${result.epochs} epochs) ready in ${seconds.toFixed(1)} s: `
      + `the 5 nearest neighbours on the map share a digit's label for ${(accuracy * 100).toFixed(0)}% of them (PCA: ${(pcaAccuracy * 100).toFixed(0)}%).`;
    showError($('latent-error'), null);
  } catch (e) {
    canvas.dataset.projection = 'umap-failed';
    status.textContent = '';
    showError($('latent-error'), e);
  }
}

/** The drawing's star, placed again on the projection now shown. */
function markDrawing() {
  if (store.drawing?.mu) map.mark('drawing', map.toPlane(store.drawing.mu));
}
