// Training progress: the status line, the progress bar and the live loss chart of the current run.

import { ApiError, getJson } from './api.js';
import { LineChart } from './chart.js';
import { $ } from './dom.js';

export const ACTIVE = new Set(['queued', 'running']);

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

/** Shows one status of GET /train (or its event stream); a new run's history is loaded first. */
export async function showProgress(status, onError) {
  if (status.runId && status.runId !== chartRun) {
    chartRun = status.runId;
    chart.clear();
    lastTestLoss = null;
    await loadHistory(status.runId, onError);
  }
  plot(status);
  describeStatus(status);
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

async function loadHistory(runId, onError) {
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
    if (!(error instanceof ApiError && error.status === 404)) onError(error);
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

const fixed = (v) => (v == null ? '—' : v.toFixed(2));

function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
