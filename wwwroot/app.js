// The VaeWeb page: each panel lives in its own module under js/ and talks to the others through
// the shared store. No build step: the browser loads these ES modules as they are.

import { describe } from './js/api.js';
import { initCompare } from './js/compare.js';
import { initDims } from './js/dims.js';
import { initDraw } from './js/draw.js';
import { initExplain } from './js/explain.js';
import { initInterp } from './js/interp.js';
import { decoder, initLatent, map } from './js/latent.js';
import { initMapMode } from './js/mapmode.js';
import { initSamples } from './js/samples.js';
import { store } from './js/store.js';
import { initTraining } from './js/training.js';

const globalError = document.getElementById('global-error');
const showGlobal = (error) => {
  globalError.hidden = false;
  globalError.textContent = describe(error);
};
window.addEventListener('unhandledrejection', (e) => showGlobal(e.reason));

store.on('model', (version) => { document.getElementById('model-version').textContent = version; });

// Exposed for the browser tests and for curious people in the console.
window.vaeweb = { ready: false, store, decoder, map };

async function main() {
  initDraw();
  initInterp();
  initMapMode();
  initExplain();
  try {
    // Before the training panel, whose first load of the run history fills the compare table too.
    await initCompare();
    await initTraining();
  } catch (error) {
    showGlobal(error);
  }
  await Promise.all([initSamples(), initLatent(), initDims()]);
  window.vaeweb.ready = true;
}

main();
