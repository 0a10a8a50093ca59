// Run history table: every run with its state, epochs, latent size, β, last test loss, start, and the
// sample judge's scores of its final model (prior / aggregate posterior), stored when it completed.

import { describe, getJson } from './api.js';
import { $, el } from './dom.js';
import { store } from './store.js';

let scoreRetries = 0;
let scoredRun = null;

export async function loadRuns() {
  const body = $('runs-table').tBodies[0];
  const empty = $('runs-empty');
  try {
    const runs = await getJson('/runs');
    store.emit('runs', runs);
    empty.hidden = runs.length > 0;
    body.replaceChildren(...runs.map((run) => {
      const last = run.epochs?.[run.epochs.length - 1];
      const cells = [
        run.runId, run.state, `${run.epochs?.length ?? 0}/${run.parameters.epochs}`, run.parameters.latentDim,
        run.parameters.beta, last ? last.testLoss.toFixed(2) : '—',
        run.startedAt ? new Date(run.startedAt).toLocaleString() : '—',
        ...qualityCells(run.sampleQuality),
      ];
      const row = el('tr', {}, ...cells.map((value) => el('td', { text: value })));
      row.dataset.runId = run.runId;
      row.dataset.scored = String(!!run.sampleQuality);
      return row;
    }));
    // A run's sample scores are stored a few seconds after it completes: look again for them.
    if (runs[0]?.runId !== scoredRun) { scoredRun = runs[0]?.runId; scoreRetries = 0; }
    if (runs[0]?.state === 'completed' && !runs[0].sampleQuality && scoreRetries++ < 30) setTimeout(loadRuns, 2000);
  } catch (error) {
    empty.hidden = false;
    empty.textContent = `Run history unavailable: ${describe(error)}`;
  }
}

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
