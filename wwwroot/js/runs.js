// Run history table: every run with its state, epochs, latent size, β, last test loss and start.

import { describe, getJson } from './api.js';
import { $, el } from './dom.js';

export async function loadRuns() {
  const body = $('runs-table').tBodies[0];
  const empty = $('runs-empty');
  try {
    const runs = await getJson('/runs');
    empty.hidden = runs.length > 0;
    body.replaceChildren(...runs.map((run) => {
      const last = run.epochs?.[run.epochs.length - 1];
      const cells = [
        run.runId, run.state, `${run.epochs?.length ?? 0}/${run.parameters.epochs}`, run.parameters.latentDim,
        run.parameters.beta, last ? last.testLoss.toFixed(2) : '—',
        run.startedAt ? new Date(run.startedAt).toLocaleString() : '—',
      ];
      return el('tr', {}, ...cells.map((value) => el('td', { text: value })));
    }));
  } catch (error) {
    empty.hidden = false;
    empty.textContent = `Run history unavailable: ${describe(error)}`;
  }
}
