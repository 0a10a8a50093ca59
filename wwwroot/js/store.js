// Shared page state. Panels talk through it, not to each other: the serving model version (every
// panel redraws when it changes), the point selected on the latent map, and the last drawing.

class Store extends EventTarget {
  constructor() {
    super();
    this.modelVersion = null;
    /** The latent vector last picked on the map (or a data point's μ), with where it came from. */
    this.selection = null;
    /** The last drawing: its PNG blob and μ. */
    this.drawing = null;
    /** The map's PCA projection { mean, c1, c2 } for the current model, once loaded. */
    this.projection = null;
    this.model = null;
  }

  setModelVersion(version) {
    if (!version || version === this.modelVersion) return;
    this.modelVersion = version;
    this.emit('model', version);
  }

  select(z, description) {
    this.selection = { z, description };
    this.emit('selection', this.selection);
  }

  setDrawing(drawing) {
    this.drawing = drawing;
    this.emit('drawing', drawing);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  on(type, handler) {
    this.addEventListener(type, (e) => handler(e.detail));
  }
}

export const store = new Store();
