// The derivation's equations for one explained digit, typeset with KaTeX into elements (DOM and CSSOM
// only, as the page's Content-Security-Policy allows no inline style markup).

/** The derivation's equations with this digit's numbers; each line a caption and a typeset formula. */
export function equations(box, katex, a, current) {
  const draw = a.draws[current];
  const d = a.latentDim;
  const s = a.draws.length;
  const mean = (f) => a.draws.reduce((sum, x) => sum + f(x), 0) / s;
  const recon = mean((x) => x.reconstruction);
  const squared = mean((x) => x.squaredError);
  const likelihoodLine = {
    gaussian: [
      `Decoder p(x|z) = N(x̂, ½·I): its log-density is minus the squared error minus a constant (${s} draws' mean)`,
      String.raw`\log p(x\mid z) = -\sum_{i=1}^{784}(x_i-\hat x_i)^2 - \tfrac{784}{2}\ln\pi = -${tex(squared)} - ${tex(a.logLikelihoodConstant)} = ${tex(a.meanLogLikelihood)}`,
    ],
    bernoulli: [
      `Decoder p(x|z) = Bernoulli(x̂): its log-density is minus the summed cross-entropy (${s} draws' mean)`,
      String.raw`\log p(x\mid z) = \sum_{i=1}^{784} x_i\ln\hat x_i + (1-x_i)\ln(1-\hat x_i) = ${tex(a.meanLogLikelihood)}`,
    ],
    calibrated: [
      `Calibrated decoder (σ-VAE) p(x|z) = N(x̂, σ²I) with σ² the mean squared error of the ${s} draws`,
      String.raw`\log p(x\mid z) = -\frac{\sum_i (x_i-\hat x_i)^2}{2\sigma^2} - \tfrac{784}{2}\ln 2\pi\sigma^2,\quad \sigma^2 = ${(a.decoderVariance ?? 0).toPrecision(3)},\quad = ${tex(a.meanLogLikelihood)}`,
    ],
  }[a.likelihood] ?? ['Decoder', String.raw`\log p(x\mid z) = ${tex(a.meanLogLikelihood)}`];
  const reconName = a.likelihood === 'bernoulli' ? String.raw`\textstyle\sum_i \mathrm{BCE}(x_i,\hat x_i)` : a.likelihood === 'calibrated' ? String.raw`-\log p(x\mid z)` : String.raw`\textstyle\sum_i (x_i-\hat x_i)^2`;
  const lines = [
    ['The encoder gives a Gaussian over z for this x', String.raw`q(z\mid x) = \mathcal N\!\big(\mu,\ \operatorname{diag}\sigma^2\big),\qquad \mu,\ \log\sigma^2 = \operatorname{encoder}(x)\in\mathbb R^{${d}}`],
    [`Reparameterisation: draw ${current + 1} of ${s}`, String.raw`z = \mu + \sigma\odot\varepsilon,\qquad \varepsilon\sim\mathcal N(0, I),\qquad \lVert\varepsilon\rVert = ${tex(norm(draw.epsilon))},\ \lVert z\rVert = ${tex(norm(draw.z))}`],
    ['KL to the prior, in closed form', String.raw`\mathrm{KL}\big(q(z\mid x)\,\|\,\mathcal N(0,I)\big) = -\tfrac12\sum_{j=1}^{${d}}\big(1+\log\sigma_j^2-\mu_j^2-\sigma_j^2\big) = ${tex(a.kl)}`],
    likelihoodLine,
    ['The loss as trained (mean over the draws)', String.raw`\mathcal L = \underbrace{${reconName}}_{${tex(recon)}} + \beta\cdot\mathrm{KL} = ${tex(recon)} + ${a.beta}\cdot ${tex(a.kl)} = ${tex(a.meanLoss)}`],
    ['The evidence lower bound (mean over the draws)', String.raw`\mathrm{ELBO} = \mathbb E_{q}\big[\log p(x\mid z)\big] - \mathrm{KL} = ${tex(a.meanLogLikelihood)} - ${tex(a.kl)} = ${tex(a.meanElbo)}`],
    [`Importance-weighted bound over k = ${a.k} draws: tends to log p(x) as k grows`, String.raw`\mathrm{IWAE}_{${a.k}} = \log\frac{1}{${a.k}}\sum_{i=1}^{${a.k}}\frac{p(x\mid z_i)\,p(z_i)}{q(z_i\mid x)} = ${tex(a.iwaeK)}`],
    [`The identity the derivation rests on, every term measured (ELBO over the same ${a.k} draws)`, String.raw`\underbrace{\log p(x)}_{\approx\ \mathrm{IWAE}_{${a.k}}\ =\ ${tex(a.iwaeK)}} \;-\; \underbrace{\mathrm{KL}\big(q(z\mid x)\,\|\,p(z\mid x)\big)}_{\approx\ \text{gap}\ =\ ${tex(a.gap)}} \;=\; \underbrace{\mathbb E_q[\log p(x\mid z)] - \mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big)}_{\mathrm{ELBO}\ =\ ${tex(a.elboK)}}`],
  ];
  box.replaceChildren(...lines.map(([caption, formula]) => {
    const item = document.createElement('div');
    item.className = formula.includes('underbrace{\\log p(x)}') ? 'equation identity' : 'equation';
    const text = document.createElement('p');
    text.className = 'muted small';
    text.textContent = caption;
    const math = document.createElement('div');
    math.className = 'formula';
    // katex.render builds DOM nodes and sets their styles through CSSOM: allowed by a CSP without 'unsafe-inline'.
    if (katex) katex.render(formula, math, { displayMode: true, throwOnError: false, output: 'htmlAndMathml' });
    else math.textContent = formula;
    item.append(text, math);
    return item;
  }));
  box.dataset.rendered = katex ? 'katex' : 'text';
}

const tex = (v) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(2));
const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
