// Samples panel: a grid of n draws, redrawn whenever a new model is served. The sampler is the prior
// N(0, I) (the reference) or the aggregate posterior, optionally of one digit; beside the grid, the
// judge's scores of each sampler for the serving model (from GET /model, which measures them once
// per model version in the background).

import { getImage, getJson, showError } from './api.js';
import { store } from './store.js';
import { $ } from './dom.js';

const form = $('samples-form');
const image = $('samples-img');
const download = $('samples-download');
const error = $('samples-error');
const digitButtons = [...document.querySelectorAll('#digit-buttons button')];
const WAITING = new Set(['judge-training', 'measuring']);
let objectUrl = null;
let digit = '';
let quality = null;
let qualityTimer = null;

export function initSamples() {
  form.addEventListener('submit', (e) => { e.preventDefault(); refresh(); });
  form.elements.sampler.addEventListener('change', () => {
    if (form.elements.sampler.value === 'prior') setDigit('');
    refresh();
  });
  for (const button of digitButtons) {
    button.addEventListener('click', () => {
      setDigit(button.dataset.digit);
      // A digit is a class of the aggregate posterior: the prior knows no classes.
      if (digit !== '') form.elements.sampler.value = 'aggregate';
      refresh();
    });
  }
  // GET /model is fetched once per version by the sliders' panel; its answer carries the scores.
  store.on('model-info', (model) => showModel(model));
  store.on('model', () => refresh());
  if (store.modelVersion) return refresh();
  showNoModel();
  return Promise.resolve();
}

function setDigit(value) {
  digit = value;
  for (const button of digitButtons) button.setAttribute('aria-pressed', String(button.dataset.digit === digit));
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
  const sampler = form.elements.sampler.value;
  const temperature = form.elements.temperature.value.trim();
  const query = new URLSearchParams();
  if (n) query.set('n', n);
  if (seed) query.set('seed', seed);
  // The reference's URL stays the reference's: no sampler parameters unless they change something.
  if (sampler !== 'prior') query.set('sampler', sampler);
  if (temperature && Number(temperature) !== 1) query.set('temperature', temperature);
  if (digit !== '') query.set('digit', digit);
  $('samples-title').textContent = sampler === 'prior' ? 'Samples from the prior' : `Samples from the aggregate posterior${digit !== '' ? ` (digit ${digit})` : ''}`;
  markCurrent();
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
    image.dataset.sampler = sampler;
    image.dataset.digit = digit;
    image.dataset.query = query.toString();
    const what = sampler === 'prior' ? 'the prior' : `the aggregate posterior${digit !== '' ? `, digit ${digit}` : ''}`;
    image.alt = `Grid of ${n} sampled digits from ${what}, model ${modelVersion}`;
    download.href = objectUrl;
    download.download = `samples-n${n}-seed${seed || 'random'}-${sampler}${digit !== '' ? `-digit${digit}` : ''}-${(modelVersion || 'model').replace(/[^\w.-]/g, '_')}.png`;
    download.removeAttribute('aria-disabled');
  } catch (e) {
    showError(error, e);
  }
}

/** The judge's scores of the serving model, polled while the judge trains or measures. */
async function loadQuality() {
  clearTimeout(qualityTimer);
  if (!store.modelVersion) return;
  try {
    showModel(await getJson('/model'));
  } catch (e) {
    $('judge-state').textContent = `Scores unavailable: ${e.message}`;
  }
}

function showModel(model) {
  clearTimeout(qualityTimer);
  quality = model.sampleQuality;
  showQuality(model.modelVersion);
  // While a run trains its scores come when it ends; the judge and a measurement take seconds.
  if (quality && WAITING.has(quality.state)) qualityTimer = setTimeout(loadQuality, 2000);
  else if (quality?.state === 'after-run') qualityTimer = setTimeout(loadQuality, 5000);
}

function showQuality(version) {
  const state = $('judge-state');
  const table = $('judge-table');
  const judge = $('judge');
  judge.dataset.state = quality?.state || 'none';
  if (!quality?.report) {
    table.hidden = true;
    state.textContent = quality ? quality.detail : 'This server reports no sample scores.';
    return;
  }
  const report = quality.report;
  judge.dataset.modelVersion = report.modelVersion;
  state.textContent = `Model ${version}: ${quality.detail}`;
  table.tBodies[0].replaceChildren(...report.samplers.map((s) => {
    const row = document.createElement('tr');
    row.dataset.sampler = s.sampler;
    row.dataset.temperature = String(s.temperature);
    const name = s.sampler === 'prior' ? 'prior' : `aggregate${s.temperature !== 1 ? `, T = ${s.temperature}` : ''}`;
    const cells = [name, s.scores.inceptionScore.toFixed(2), s.scores.frechetDistance.toFixed(1), `${(s.scores.confidentShare * 100).toFixed(0)}%`];
    for (const value of cells) {
      const cell = document.createElement('td');
      cell.textContent = value;
      row.append(cell);
    }
    row.append(histogramCell(s.scores.classHistogram));
    return row;
  }));
  table.hidden = false;
  markCurrent();
}

function histogramCell(counts) {
  const cell = document.createElement('td');
  const bars = document.createElement('span');
  bars.className = 'histogram';
  const most = Math.max(1, ...counts);
  counts.forEach((count, c) => {
    const bar = document.createElement('i');
    bar.style.height = `${(count / most) * 100}%`;
    bar.title = `${c}: ${count}`;
    bars.append(bar);
  });
  bars.setAttribute('aria-label', counts.map((count, c) => `${c}: ${count}`).join(', '));
  cell.append(bars);
  return cell;
}

/** Highlights the scored row that matches the grid's sampler and temperature. */
function markCurrent() {
  const sampler = form.elements.sampler.value;
  const temperature = Number(form.elements.temperature.value || 1);
  for (const row of $('judge-table').tBodies[0].rows) {
    row.classList.toggle('current', row.dataset.sampler === sampler && Number(row.dataset.temperature) === temperature && digit === '');
  }
}
