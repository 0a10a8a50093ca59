// Dimension sliders: the most active latent dimensions (largest per-dimension KL on the test set)
// of the selected point, each decoding live into the map's preview as it moves.

import { getJson, showError } from './api.js';
import { decoder, map } from './latent.js';
import { store } from './store.js';
import { $ } from './dom.js';

const box = $('dims-sliders');
const error = $('dims-error');
const SHOWN = 8;
let dims = [];
let base = null;
let current = null;

export function initDims() {
  store.on('model', () => load());
  store.on('selection', (s) => setBase(s.z, s.description));
  $('dims-reset').addEventListener('click', () => base && setBase(base.z, base.description));
  return store.modelVersion ? load() : Promise.resolve(note('No model yet.'));
}

function note(text) {
  error.hidden = false;
  error.textContent = text;
}

async function load() {
  try {
    const model = await getJson('/model');
    store.model = model;
    store.emit('model-info', model);
    const kl = perDimensionKl(model);
    if (!kl) throw new Error('GET /model gave no per-dimension KL, so the active dimensions are unknown.');
    dims = kl.map((value, index) => ({ index, kl: value })).sort((a, b) => b.kl - a.kl).slice(0, SHOWN);
    $('dims-info').textContent = `${model.activeUnits} of ${model.latentDim} dimensions are active (KL > ${model.activeThreshold} nats on the test set); the ${dims.length} largest are shown.`;
    showError(error, null);
    if (!base) setBase(new Array(kl.length).fill(0), 'the prior mean (z = 0)');
    else if (base.z.length !== kl.length) setBase(new Array(kl.length).fill(0), 'the prior mean (z = 0)');
    else build();
  } catch (e) {
    showError(error, e);
  }
}

function perDimensionKl(model) {
  return Array.isArray(model.klPerDimension) && model.klPerDimension.length > 0 ? model.klPerDimension : null;
}

function setBase(z, description) {
  base = { z: [...z], description };
  current = [...z];
  build();
}

function build() {
  if (!base || dims.length === 0) return;
  $('dims-title').textContent = `Dimension sliders — ${base.description}`;
  box.replaceChildren(...dims.map(({ index, kl }) => {
    const label = document.createElement('label');
    label.className = 'slider';
    const name = document.createElement('span');
    name.textContent = `z${index}`;
    const meta = document.createElement('small');
    meta.textContent = `KL ${kl.toFixed(2)}`;
    const input = document.createElement('input');
    input.type = 'range';
    input.min = '-4';
    input.max = '4';
    input.step = '0.05';
    input.value = String(current[index].toFixed(2));
    input.dataset.dim = String(index);
    input.setAttribute('aria-label', `Latent dimension ${index} (KL ${kl.toFixed(2)} nats)`);
    const value = document.createElement('output');
    value.textContent = current[index].toFixed(2);
    input.addEventListener('input', () => {
      current[index] = Number(input.value);
      value.textContent = current[index].toFixed(2);
      if (map.projection) map.mark('slider', map.toPlane(current));
      decoder.request([...current], `${base.description}, z${index} = ${current[index].toFixed(2)}`);
    });
    label.append(name, meta, input, value);
    return label;
  }));
}
