// Interpolation panel: two endpoints (a test index, the map's selected point, or the drawing),
// lerp or slerp, n steps → a strip of decoded frames and a scrub slider over them.

import { postJson, showError } from './api.js';
import { blank, drawDigit } from './pixels.js';
import { store } from './store.js';
import { $ } from './dom.js';

const form = $('interp-form');
const strip = $('interp-strip');
const scrub = $('interp-scrub');
const frame = $('interp-frame');
const error = $('interp-error');
/** Endpoints chosen by button (a latent vector); an index typed afterwards takes over again. */
const chosen = { from: null, to: null };
let frames = [];
/** Only the newest walk asked for is shown: an earlier answer that arrives late is dropped. */
let latestRun = 0;
let userRan = false;

export function initInterp() {
  blank(frame);
  form.addEventListener('submit', (e) => { e.preventDefault(); userRan = true; run(); });
  for (const end of ['from', 'to']) {
    form.elements[`${end}Index`].addEventListener('input', () => setChosen(end, null));
  }
  for (const button of form.querySelectorAll('button[data-endpoint]')) {
    button.addEventListener('click', () => useSource(button.dataset.endpoint, button.dataset.source));
  }
  scrub.addEventListener('input', () => show(Number(scrub.value)));
  // At first view the strip is not empty: the form's default walk, as soon as a model serves.
  if (store.modelVersion) run();
  store.on('model', () => { if (!userRan) run(); });
}

function useSource(end, source) {
  showError(error, null);
  if (source === 'map') {
    if (!store.selection) return showError(error, new Error('Pick a point or a digit on the latent map first.'));
    setChosen(end, { z: store.selection.z, description: store.selection.description });
  } else {
    if (!store.drawing?.mu) return showError(error, new Error('Draw a digit in the drawing panel first.'));
    setChosen(end, { z: store.drawing.mu, description: 'the drawing' });
  }
  return undefined;
}

function setChosen(end, value) {
  chosen[end] = value;
  $(`interp-${end}-info`).textContent = value ? `Using ${value.description}; type an index to go back.` : 'Using the test digit at this index.';
}

function endpoint(end) {
  if (chosen[end]) return { z: chosen[end].z };
  const raw = form.elements[`${end}Index`].value.trim();
  return { index: raw === '' ? null : Number(raw) };
}

async function run() {
  const id = ++latestRun;
  showError(error, null);
  const steps = Number(form.elements.steps.value);
  try {
    const answer = await postJson('/interpolate', {
      from: endpoint('from'),
      to: endpoint('to'),
      steps,
      method: form.elements.method.value,
    });
    if (id !== latestRun) return;
    frames = answer.images;
    strip.replaceChildren(...frames.map((pixels, i) => {
      const tile = document.createElement('canvas');
      tile.width = 56;
      tile.height = 56;
      tile.className = 'pixelated';
      tile.setAttribute('role', 'img');
      tile.setAttribute('aria-label', `Step ${i + 1} of ${frames.length}`);
      drawDigit(tile, pixels);
      tile.addEventListener('click', () => { scrub.value = String(i); show(i); });
      return tile;
    }));
    strip.dataset.steps = String(frames.length);
    scrub.max = String(frames.length - 1);
    scrub.value = '0';
    scrub.disabled = false;
    show(0);
  } catch (e) {
    if (id === latestRun) showError(error, e);
  }
}

function show(i) {
  if (!frames[i]) return;
  drawDigit(frame, frames[i]);
  scrub.setAttribute('aria-valuetext', `step ${i + 1} of ${frames.length}`);
  strip.querySelectorAll('canvas').forEach((c, k) => c.classList.toggle('current', k === i));
}
