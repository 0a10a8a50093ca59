// Training panel: the run form, cancel, progress, live loss chart from the event stream, run history.

import { ApiError, del, describe, getJson, postJson, setApiKey, showError } from './api.js';
import { LineChart } from './chart.js';
import { store } from './store.js';

const $ = (id) => document.getElementById(id);
const form = $('train-form');
const formError = $('train-error');
const cancelButton = $('train-cancel');
const startButton = $('train-start');
const ACTIVE = new Set(['queued', 'running']);

const chart = new LineChart($('loss-chart'), $('chart-legend'), [
  // Hue tells the part (total, reconstruction, KL); light thin lines are training, bold lines with dots the test set.
  { key: 'loss', label: 'train loss (running)', colour: '#8fa3cc', width: 1.5 },
  { key: 'recon', label: 'train reconstruction', colour: '#f2a8a9', width: 1.5, dash: [6, 3] },
  { key: 'kl', label: 'train KL', colour: '#9fd096', width: 1.5, dash: [2, 3] },
  { key: 'testLoss', label: 'test loss (per epoch)', colour: '#1f3b73', width: 2.5, markers: true },
  { key: 'testRecon', label: 'test reconstruction', colour: '#c0392b', width: 2.5, dash: [6, 3], markers: true },
  { key: 'testKl', label: 'test KL', colour: '#2e7d32', width: 2.5, dash: [2, 3], markers: true },
]);

let chartRun = null;
let lastTestLoss = null;
let lastState = null;
let events = null;

export async function initTraining() {
  form.addEventListener('submit', (e) => { e.preventDefault(); start(); });
  form.addEventListener('input', (e) => clearFieldError(e.target.name));
  cancelButton.addEventListener('click', cancel);
  // Kept for this tab only, so a key typed on a shared machine does not outlive the session.
  const key = $('api-key');
  key.value = sessionStorage.getItem('vaeweb.apiKey') || '';
  setApiKey(key.value);
  key.addEventListener('change', () => { setApiKey(key.value); sessionStorage.setItem('vaeweb.apiKey', key.value); });
  const status = await getJson('/train');
  await update(status);
  await loadRuns();
  connect();
}

function connect() {
  events = new EventSource('/train/events');
  events.addEventListener('status', (e) => {
    update(JSON.parse(e.data)).catch((error) => showError(formError, error));
  });
  events.addEventListener('open', () => $('train-state').classList.remove('stale'));
  events.addEventListener('error', () => {
    // EventSource reconnects by itself after a dropped connection; say so rather than show a frozen
    // status. A refused stream (e.g. 401 where reads need a key, which EventSource cannot send) is
    // closed for good: poll GET /train instead, which does carry the key.
    $('train-state').classList.add('stale');
    if (events.readyState === EventSource.CLOSED) poll();
  });
}

function poll() {
  $('train-state').classList.remove('stale');
  setInterval(() => {
    getJson('/train').then(update).catch((error) => showError(formError, error));
  }, 1000);
}

function readForm() {
  const body = {};
  for (const element of form.querySelectorAll('input, select')) {
    if ('notAParameter' in element.dataset) continue;
    const raw = element.value.trim();
    if (raw === '') continue;
    if (element.type === 'number') {
      // Send what was typed; the server owns validation and says what is allowed.
      const number = Number(raw);
      body[element.name] = Number.isFinite(number) ? number : raw;
    } else {
      body[element.name] = raw;
    }
  }
  return body;
}

async function start() {
  clearFieldErrors();
  showError(formError, null);
  startButton.disabled = true;
  try {
    const status = await postJson('/train', readForm());
    await update(status);
    await loadRuns();
  } catch (error) {
    if (error instanceof ApiError && Object.keys(error.fieldErrors).length) {
      for (const [field, messages] of Object.entries(error.fieldErrors)) setFieldError(field, messages.join(' '));
    }
    showError(formError, error);
    keyHint(error);
  } finally {
    startButton.disabled = ACTIVE.has(lastState);
  }
}

async function cancel() {
  showError(formError, null);
  try {
    await update(await del('/train'));
  } catch (error) {
    showError(formError, error);
    keyHint(error);
  }
}

/** A 401 means this server protects training control with a key: point at the field for it. */
function keyHint(error) {
  if (!(error instanceof ApiError) || error.status !== 401) return;
  formError.textContent += ' Type the key in the API key field.';
  $('api-key').focus();
}

function fieldElement(field) {
  return [...form.elements].find((e) => e.name && e.name.toLowerCase() === field.toLowerCase());
}

function setFieldError(field, message) {
  const input = fieldElement(field);
  if (!input) return;
  const id = `error-${input.name}`;
  let note = document.getElementById(id);
  if (!note) {
    note = document.createElement('span');
    note.id = id;
    note.className = 'field-error';
    input.closest('label').append(note);
  }
  note.textContent = message;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', id);
}

function clearFieldError(name) {
  if (!name) return;
  document.getElementById(`error-${name}`)?.remove();
  const input = fieldElement(name);
  input?.removeAttribute('aria-invalid');
  input?.removeAttribute('aria-describedby');
}

function clearFieldErrors() {
  for (const element of form.elements) if (element.name) clearFieldError(element.name);
}

async function update(status) {
  const previous = lastState;
  lastState = status.state;
  const active = ACTIVE.has(status.state);
  cancelButton.disabled = !active;
  startButton.disabled = active;
  store.setModelVersion(status.modelVersion);

  if (status.runId && status.runId !== chartRun) {
    chartRun = status.runId;
    chart.clear();
    lastTestLoss = null;
    await loadHistory(status.runId);
  }
  plot(status);
  describeStatus(status);
  if (previous && previous !== status.state) await loadRuns();
}

function plot(status) {
  const spe = status.stepsPerEpoch || 0;
  if (status.state === 'running' && status.loss != null && spe > 0 && status.epoch > 0) {
    const x = status.epoch - 1 + status.step / spe;
    chart.add('loss', x, status.loss);
    chart.add('recon', x, status.reconstruction);
    chart.add('kl', x, status.kl);
  }
  if (status.testLoss != null && status.testLoss !== lastTestLoss) {
    lastTestLoss = status.testLoss;
    // Progress events inside epoch e still carry epoch e−1's test loss.
    const x = status.state === 'running' && spe > 0 && status.step < spe ? status.epoch - 1 : status.epoch;
    if (x > 0) {
      chart.add('testLoss', x, status.testLoss);
      chart.add('testRecon', x, status.testReconstruction);
      chart.add('testKl', x, status.testKl);
    }
  }
  $('loss-chart').dataset.points = String(chart.pointCount);
}

async function loadHistory(runId) {
  try {
    const run = await getJson(`/runs/${encodeURIComponent(runId)}`);
    for (const e of run.epochs || []) {
      chart.add('loss', e.epoch, e.loss);
      chart.add('recon', e.epoch, e.reconstruction);
      chart.add('kl', e.epoch, e.kl);
      chart.add('testLoss', e.epoch, e.testLoss);
      chart.add('testRecon', e.epoch, e.testReconstruction);
      chart.add('testKl', e.epoch, e.testKl);
      lastTestLoss = e.testLoss;
    }
  } catch (error) {
    // A run that is only queued has no history yet.
    if (!(error instanceof ApiError && error.status === 404)) showError(formError, error);
  }
}

function describeStatus(status) {
  const state = $('train-state');
  const progress = $('train-progress');
  const detail = $('train-detail');
  const spe = status.stepsPerEpoch || 0;
  if (status.state === 'idle' || !status.runId) {
    state.textContent = 'No run yet. Start one with the form.';
    progress.value = 0;
    detail.textContent = '';
    return;
  }
  state.textContent = `Run ${status.runId}: ${status.state}${status.error ? ` (${status.error})` : ''}`;
  const epochs = status.epochs || status.parameters?.epochs || 1;
  let done = status.state === 'completed' ? 1 : 0;
  if (status.state === 'running' && status.epoch > 0 && spe > 0) done = (status.epoch - 1 + status.step / spe) / epochs;
  else if (status.state !== 'completed' && status.epoch > 0) done = status.epoch / epochs;
  progress.value = Math.min(1, done);
  progress.setAttribute('aria-valuetext', `${Math.round(done * 100)}%`);
  const parts = [`Epoch ${status.epoch}/${epochs}`];
  if (spe > 0) parts.push(`step ${status.step}/${spe}`);
  if (status.imagesPerSecond != null) parts.push(`${Math.round(status.imagesPerSecond)} images/s`);
  if (ACTIVE.has(status.state) && status.etaSeconds != null) parts.push(`ETA ${duration(status.etaSeconds)}`);
  if (status.loss != null) parts.push(`loss ${status.loss.toFixed(2)} (recon ${fixed(status.reconstruction)} + KL ${fixed(status.kl)})`);
  if (status.testLoss != null) parts.push(`test loss ${status.testLoss.toFixed(2)}`);
  detail.textContent = parts.join(' · ');
}

async function loadRuns() {
  const body = $('runs-table').tBodies[0];
  try {
    const runs = await getJson('/runs');
    $('runs-empty').hidden = runs.length > 0;
    body.replaceChildren(...runs.map((run) => {
      const row = document.createElement('tr');
      const last = run.epochs?.[run.epochs.length - 1];
      const cells = [
        run.runId, run.state, `${run.epochs?.length ?? 0}/${run.parameters.epochs}`, run.parameters.latentDim,
        run.parameters.beta, last ? last.testLoss.toFixed(2) : '—',
        run.startedAt ? new Date(run.startedAt).toLocaleString() : '—',
        ...qualityCells(run.sampleQuality),
      ];
      for (const value of cells) {
        const cell = document.createElement('td');
        cell.textContent = String(value);
        row.append(cell);
      }
      row.dataset.runId = run.runId;
      row.dataset.scored = String(!!run.sampleQuality);
      return row;
    }));
    // A run's sample scores are stored a few seconds after it completes: look again for them.
    if (runs[0]?.runId !== scoredRun) { scoredRun = runs[0]?.runId; scoreRetries = 0; }
    if (runs[0]?.state === 'completed' && !runs[0].sampleQuality && scoreRetries++ < 30) setTimeout(loadRuns, 2000);
  } catch (error) {
    $('runs-empty').hidden = false;
    $('runs-empty').textContent = `Run history unavailable: ${describe(error)}`;
  }
}

const fixed = (v) => (v == null ? '—' : v.toFixed(2));

let scoreRetries = 0;
let scoredRun = null;

/** IS, FID and confident share of the run's final samples, prior / aggregate posterior (T = 1). */
function qualityCells(quality) {
  const of = (name) => quality?.samplers.find((s) => s.sampler === name && s.temperature === 1)?.scores;
  const [prior, aggregate] = [of('prior'), of('aggregate')];
  if (!prior || !aggregate) return ['—', '—', '—'];
  const percent = (v) => `${(v * 100).toFixed(0)}%`;
  return [
    `${prior.inceptionScore.toFixed(2)} / ${aggregate.inceptionScore.toFixed(2)}`,
    `${prior.frechetDistance.toFixed(0)} / ${aggregate.frechetDistance.toFixed(0)}`,
    `${percent(prior.confidentShare)} / ${percent(aggregate.confidentShare)}`,
  ];
}

function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
