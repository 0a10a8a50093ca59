// Live decoding while the pointer moves: at most one request in flight, and when it returns the
// newest point asked for in the meantime is sent next (older ones are dropped). The preview thus
// follows the pointer as fast as the server answers, without a queue building up behind it.

import { postJson } from './api.js';

export class LiveDecoder {
  constructor(onImage, onError) {
    this.onImage = onImage;
    this.onError = onError;
    this.latest = null;
    this.busy = false;
    this.updates = 0;
    this.recent = [];
  }

  request(z, info) {
    this.latest = { z, info };
    if (!this.busy) this.pump();
  }

  async pump() {
    this.busy = true;
    try {
      while (this.latest) {
        const { z, info } = this.latest;
        this.latest = null;
        try {
          const answer = await postJson('/decode', { z });
          this.updates += 1;
          const now = performance.now();
          this.recent.push(now);
          while (this.recent.length && this.recent[0] < now - 1000) this.recent.shift();
          this.onImage(answer.images[0], answer, info);
        } catch (error) {
          this.latest = null;
          this.onError(error);
        }
      }
    } finally {
      this.busy = false;
    }
  }

  /** Preview updates during the last second. */
  get rate() {
    const now = performance.now();
    while (this.recent.length && this.recent[0] < now - 1000) this.recent.shift();
    return this.recent.length;
  }
}
