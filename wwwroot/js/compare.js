// Compare runs: the lab's table of runs (tick runs to compare them, serve any finished one), the
// ticked runs' test-loss curves overlaid on one chart, and a row of samples per ticked run drawn from
// one shared seed, so the rows differ only by the model that decoded them.

import { ApiError, del, describe, getJson, putJson, showError } from './api.js';
import { LineChart } from './chart.js';
import { $, el } from './dom.js';
import { drawDigit, LABEL_COLOURS } from './pixels.js';
import { loadRuns } from './runs.js';
import { store } from './store.js';

/** GET /runs/compare takes at most this many ids; the palette has as many colours. */
const MOST = LABEL_COLOURS.length;
const SAMPLES = 8;
const ACTIVE = new Set(['queued', 'running']);

const table = $('lab-table');
const error = $('lab-error');
const seedInput = $('lab-seed');
const rowsBox = $('lab-samples');
const servingNote = $('lab-serving');
const unpinButton = $('lab-unpin');
const curveSelect = $('lab-curve');
const chart = new LineChart($('lab-chart'), $('lab-legend'), [],
  { yLabel: 'per image', emptyText: 'Tick runs in the table to overlay their test-loss curves.' });

let runs = [];
/** Ticked run ids in the order they were ticked; each keeps its colour while ticked. */
let ticked = [];
const colours = new Map();
/** GET /serving's answer; undefined until asked, null when this server has no /serving. */
let serving;
/** What each sample row shows now (run, version, seed), so a row is fetched again only when that changes. */
const shown = new Map();
let generation = 0;
/** The last comparison shown, to redraw the chart when another curve is chosen. */
let last = null;

export function initCompare() {
  store.on('runs', (list) => {
    runs = list;
    renderTable();
    // A new epoch or run may change what serves when nothing is pinned.
    if (serving !== null) loadServing();
    // Curves and samples of ticked runs follow their new epochs (or go, with a deleted run).
    if (ticked.length || last) refresh();
  });
  // A new model version means a run finished an epoch: read the history (both tables) again.
  store.on('model', () => { loadRuns(); });
  $('lab-new-seed').addEventListener('click', () => {
    seedInput.value = String(Math.floor(Math.random() * 100000));
    refreshSamples();
  });
  seedInput.addEventListener('change', refreshSamples);
  unpinButton.addEventListener('click', unpin);
  curveSelect.addEventListener('change', () => { if (last) plot(last); });
  return loadServing();
}

const runOf = (version) => (version ? version.split('.')[0] : null);

function renderTable() {
  const known = new Set(runs.map((r) => r.runId));
  ticked = ticked.filter((id) => known.has(id));
  $('lab-empty').hidden = runs.length > 0;
  const servingRun = runOf(serving?.serving);
  const pinnedRun = runOf(serving?.pinned);
  table.tBodies[0].replaceChildren(...runs.map((run) => {
    const p = run.parameters;
    const epochs = run.epochs?.length ?? 0;
    const lastEpoch = run.epochs?.[epochs - 1];
    const isTicked = ticked.includes(run.runId);
    const box = el('input');
    box.type = 'checkbox';
    box.checked = isTicked;
    box.disabled = epochs === 0 || (!isTicked && ticked.length >= MOST);
    box.title = epochs === 0 ? 'No epoch has finished yet' : (box.disabled ? `At most ${MOST} runs at once` : '');
    box.setAttribute('aria-label', `Compare run ${run.runId}`);
    box.addEventListener('change', () => tick(run.runId, box.checked));
    const swatch = el('span', { className: 'dot' });
    if (isTicked) swatch.style.background = colours.get(run.runId);
    const tickCell = el('td', { className: 'tick' }, el('label', { className: 'inline' }, box, swatch));
    const row = el('tr', {}, tickCell,
      ...[run.runId, p.beta, p.latentDim, p.likelihood, `${epochs}/${p.epochs}`, run.state,
        lastEpoch ? lastEpoch.testLoss.toFixed(2) : '—', scoreText(run.sampleQuality)].map((v) => el('td', { text: v })),
      serveCell(run, epochs, servingRun, pinnedRun));
    row.dataset.runId = run.runId;
    row.classList.toggle('serving', run.runId === servingRun);
    return row;
  }));
}

/** IS-like score of the run's final samples: prior / aggregate posterior (T = 1), when the judge scored them. */
function scoreText(quality) {
  const of = (name) => quality?.samplers?.find((s) => s.sampler === name && s.temperature === 1)?.scores;
  const [prior, aggregate] = [of('prior'), of('aggregate')];
  return prior && aggregate ? `${prior.inceptionScore.toFixed(2)} / ${aggregate.inceptionScore.toFixed(2)}` : '—';
}

function serveCell(run, epochs, servingRun, pinnedRun) {
  const cell = el('td');
  if (run.runId === servingRun) {
    cell.append(el('span', { className: 'badge', text: run.runId === pinnedRun ? 'serving (pinned)' : 'serving' }));
  } else if (serving && epochs > 0 && !ACTIVE.has(run.state)) {
    const button = el('button', { text: 'Serve' });
    button.type = 'button';
    button.setAttribute('aria-label', `Serve run ${run.runId}`);
    button.addEventListener('click', () => serve(run.runId, button));
    cell.append(button);
  }
  return cell;
}

function tick(runId, on) {
  ticked = ticked.filter((id) => id !== runId);
  if (on && ticked.length < MOST) {
    // A run keeps its colour when ticked again, unless another ticked run has taken it meanwhile.
    const taken = new Set(ticked.map((id) => colours.get(id)));
    if (!colours.has(runId) || taken.has(colours.get(runId))) colours.set(runId, LABEL_COLOURS.find((c) => !taken.has(c)));
    ticked.push(runId);
  }
  renderTable();
  refresh();
}

async function refresh() {
  const mine = ++generation;
  if (ticked.length === 0) {
    last = null;
    showError(error, null);
    chart.setSeries([]);
    $('lab-chart').dataset.series = '';
    rowsBox.replaceChildren();
    shown.clear();
    return;
  }
  let comparison;
  try {
    comparison = await getJson(`/runs/compare?ids=${ticked.map(encodeURIComponent).join(',')}`);
  } catch (e) {
    if (mine === generation) showError(error, e);
    return;
  }
  if (mine !== generation) return;
  showError(error, null);
  last = comparison;
  plot(comparison);
  showSamples(comparison.runs);
}

function label(run) {
  const p = run.parameters;
  return `β ${p.beta} · latent ${p.latentDim} · ${p.likelihood}`;
}

function plot(comparison) {
  const curve = curveSelect.value;
  const name = curveSelect.selectedOptions[0].textContent.replace(/ \(.*/, '');
  chart.yLabel = `${name} per image`;
  chart.setSeries(comparison.runs.map((run) => ({
    key: run.runId, label: `${label(run)} (…${run.runId.slice(-4)})`, colour: colours.get(run.runId), width: 2, markers: true,
  })));
  for (const run of comparison.runs) {
    run.curves[curve].forEach((y, i) => chart.add(run.runId, comparison.epochs[i], y));
  }
  const canvas = $('lab-chart');
  canvas.dataset.series = comparison.runs.map((r) => r.runId).join(',');
  canvas.dataset.curve = curve;
  canvas.dataset.points = String(chart.pointCount);
  const finals = comparison.runs.map((r) => {
    const y = r.curves[curve].filter((v) => v != null).at(-1);
    return `${label(r)}, last ${y != null ? y.toFixed(2) : 'none'}`;
  });
  canvas.setAttribute('aria-label', `${name} per epoch of ${comparison.runs.length} runs: ${finals.join('; ')}`);
}

/** One row per ticked run, in tick order; a row asks for new samples only when its model version or the seed changed. */
function showSamples(compared) {
  const seed = seedValue();
  const rows = compared.map((run) => {
    let row = rowsBox.querySelector(`[data-run-id="${CSS.escape(run.runId)}"]`);
    if (!row) {
      row = el('div', { className: 'sample-row' },
        el('div', { className: 'sample-label' }, el('span', { className: 'dot' }), el('strong'), el('small', { className: 'muted' })),
        el('div', { className: 'sample-digits' }, ...Array.from({ length: SAMPLES }, () => {
          const canvas = el('canvas', { className: 'pixelated' });
          canvas.width = 28;
          canvas.height = 28;
          return canvas;
        })),
        el('p', { className: 'error small' }));
      row.querySelector('.error').hidden = true;
      row.dataset.runId = run.runId;
    }
    row.querySelector('.dot').style.background = colours.get(run.runId);
    row.querySelector('strong').textContent = label(run);
    row.querySelector('small').textContent = `${run.runId}${run.final ? ` · test loss ${run.final.testLoss.toFixed(2)}` : ''}`;
    const key = `${run.final?.modelVersion}|${seed}`;
    if (shown.get(run.runId) !== key) {
      shown.set(run.runId, key);
      drawRow(row, run, seed, key);
    }
    return row;
  });
  for (const id of [...shown.keys()]) if (!ticked.includes(id)) shown.delete(id);
  rowsBox.replaceChildren(...rows);
}

function seedValue() {
  const value = Number(seedInput.value);
  if (Number.isInteger(value) && value >= 0) return value;
  seedInput.value = '7';
  return 7;
}

function refreshSamples() {
  shown.clear();
  refresh();
}

async function drawRow(row, run, seed, key) {
  const note = row.querySelector('.error');
  note.hidden = true;
  row.setAttribute('aria-busy', 'true');
  try {
    const answer = await getJson(`/samples?n=${SAMPLES}&seed=${seed}&model=${encodeURIComponent(run.runId)}&format=json`);
    if (shown.get(run.runId) !== key) return;
    // A server without the model parameter answers from whatever it serves: say so rather than mislabel the row.
    if (runOf(answer.modelVersion) !== run.runId) {
      throw new Error(`The server answered with model ${answer.modelVersion}, not run ${run.runId}: it cannot serve a chosen run.`);
    }
    row.querySelectorAll('canvas').forEach((canvas, i) => drawDigit(canvas, answer.images[i]));
    row.dataset.modelVersion = answer.modelVersion;
    row.dataset.seed = String(seed);
    row.querySelector('.sample-digits').setAttribute('aria-label', `${SAMPLES} samples of ${label(run)}, model ${answer.modelVersion}, seed ${seed}`);
  } catch (e) {
    if (shown.get(run.runId) !== key) return;
    shown.delete(run.runId);
    delete row.dataset.modelVersion;
    note.hidden = false;
    note.textContent = `Samples unavailable: ${describe(e)}`;
  } finally {
    row.removeAttribute('aria-busy');
  }
}

async function loadServing() {
  try {
    showServing(await getJson('/serving'));
  } catch (e) {
    if (e instanceof ApiError && e.endpointMissing) {
      serving = null;
      servingNote.textContent = 'This server cannot pin a model (no /serving): it serves its newest.';
      renderTable();
    } else {
      showError(error, e);
    }
  }
}

function showServing(answer) {
  serving = answer;
  servingNote.textContent = answer.serving
    ? `Serving ${answer.serving}${answer.pinned ? ' (pinned)' : ' (the newest; nothing pinned)'}.`
    : 'No model is serving yet.';
  unpinButton.hidden = !answer.pinned;
  $('lab').dataset.pinned = answer.pinned || '';
  $('lab').dataset.serving = answer.serving || '';
  renderTable();
}

async function serve(runId, button) {
  button.disabled = true;
  showError(error, null);
  try {
    const answer = await putJson('/serving', { model: runId });
    showServing(answer);
    // Every panel redraws from the model that now serves.
    store.setModelVersion(answer.serving);
  } catch (e) {
    showError(error, e);
    button.disabled = false;
  }
}

async function unpin() {
  showError(error, null);
  try {
    const answer = await del('/serving');
    showServing(answer);
    store.setModelVersion(answer.serving);
  } catch (e) {
    showError(error, e);
  }
}
