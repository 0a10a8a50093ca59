// Drawing 28×28 images of values in [0, 1] onto canvases.

export const SIDE = 28;

const scratch = document.createElement('canvas');
scratch.width = SIDE;
scratch.height = SIDE;
const scratchContext = scratch.getContext('2d');
const scratchImage = scratchContext.createImageData(SIDE, SIDE);

/** Draws one image (784 numbers) scaled to fill the canvas, or into a given rectangle of it. */
export function drawDigit(canvas, pixels, x = 0, y = 0, w = canvas.width, h = canvas.height) {
  const data = scratchImage.data;
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = Math.max(0, Math.min(255, Math.round(pixels[i] * 255)));
    data[i * 4] = v;
    data[i * 4 + 1] = v;
    data[i * 4 + 2] = v;
    data[i * 4 + 3] = 255;
  }
  scratchContext.putImageData(scratchImage, 0, 0);
  const context = canvas.getContext('2d');
  context.imageSmoothingEnabled = false;
  context.drawImage(scratch, x, y, w, h);
}

/** Clears a canvas to black (the digits' background). */
export function blank(canvas) {
  const context = canvas.getContext('2d');
  context.fillStyle = '#000';
  context.fillRect(0, 0, canvas.width, canvas.height);
}

/** One colour per digit class, distinguishable for common colour-vision deficiencies (Tableau 10). */
export const LABEL_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** A filled five-pointed star of outer radius `r` centred at (x, y): where a μ sits on a plot. */
export function star(c, x, y, r) {
  c.beginPath();
  for (let i = 0; i < 10; i++) {
    const a = (Math.PI / 5) * i - Math.PI / 2;
    const rr = i % 2 ? r * 0.45 : r;
    c.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
  }
  c.closePath();
  c.fill();
}
