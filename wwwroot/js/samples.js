// Samples panel: a grid of n draws from the prior, redrawn whenever a new model is served.

import { getImage, showError } from './api.js';
import { store } from './store.js';
import { $ } from './dom.js';

const form = $('samples-form');
const image = $('samples-img');
const download = $('samples-download');
const error = $('samples-error');
let objectUrl = null;

export function initSamples() {
  form.addEventListener('submit', (e) => { e.preventDefault(); refresh(); });
  store.on('model', () => refresh());
  if (store.modelVersion) return refresh();
  showNoModel();
  return Promise.resolve();
}

function showNoModel() {
  error.hidden = false;
  error.textContent = 'No model yet: samples appear when the first epoch of a run ends.';
}

async function refresh() {
  if (!store.modelVersion) {
    showNoModel();
    return;
  }
  const n = form.elements.n.value.trim();
  const seed = form.elements.seed.value.trim();
  const query = new URLSearchParams();
  if (n) query.set('n', n);
  if (seed) query.set('seed', seed);
  try {
    const { blob, modelVersion } = await getImage(`/samples?${query}`);
    showError(error, null);
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = URL.createObjectURL(blob);
    await new Promise((resolve, reject) => {
      image.onload = resolve;
      image.onerror = () => reject(new Error('The samples PNG could not be shown.'));
      image.src = objectUrl;
    });
    image.dataset.n = n;
    image.dataset.modelVersion = modelVersion || '';
    image.alt = `Grid of ${n} sampled digits from model ${modelVersion}`;
    download.href = objectUrl;
    download.download = `samples-n${n}-seed${seed || 'random'}-${(modelVersion || 'model').replace(/[^\w.-]/g, '_')}.png`;
    download.removeAttribute('aria-disabled');
  } catch (e) {
    showError(error, e);
  }
}
