// Validates every manifest in deploy/k8s offline, in two passes. Exit 1 on any error.
//   1. schema: each document must be a kind this knows and pass that kind's JSON schema from
//      kubernetes-models (generated from the Kubernetes OpenAPI definitions: types, required fields,
//      enumerations, formats, int-or-string).
//   2. strict: those schemas allow fields they do not define (as the API's OpenAPI does), so a
//      misspelt field would pass. Each document is also written out as a TypeScript object literal of
//      that kind's interface (kubernetes-models' type definitions, from the same OpenAPI) and
//      type-checked with tsc, whose excess-property check names any field the API does not have.
//   cd deploy/k8s/validate && npm ci && node validate.mjs [files...]
import { readFileSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { dirname, join, basename } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { parseAllDocuments } from "yaml";

const kinds = {
  "v1/PersistentVolumeClaim": "kubernetes-models/v1/PersistentVolumeClaim",
  "v1/Service": "kubernetes-models/v1/Service",
  "v1/Secret": "kubernetes-models/v1/Secret",
  "v1/ConfigMap": "kubernetes-models/v1/ConfigMap",
  "apps/v1/Deployment": "kubernetes-models/apps/v1/Deployment",
  "autoscaling/v2/HorizontalPodAutoscaler": "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler",
  "policy/v1/PodDisruptionBudget": "kubernetes-models/policy/v1/PodDisruptionBudget",
  "networking.k8s.io/v1/Ingress": "kubernetes-models/networking.k8s.io/v1/Ingress",
};

const here = dirname(fileURLToPath(import.meta.url));
const manifests = dirname(here);
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : readdirSync(manifests).filter((f) => f.endsWith(".yaml")).sort().map((f) => join(manifests, f));

let errors = 0;
let checked = 0;
const typed = [];
for (const file of files) {
  const documents = parseAllDocuments(readFileSync(file, "utf8"));
  for (const [index, document] of documents.entries()) {
    const where = `${basename(file)}#${index + 1}`;
    if (document.errors.length > 0) {
      console.log(`FAIL ${where}: YAML: ${document.errors.map((e) => e.message).join("; ")}`);
      errors++;
      continue;
    }
    const object = document.toJS();
    if (object === null) continue;
    const key = `${object.apiVersion}/${object.kind}`;
    if (!(key in kinds)) {
      console.log(`FAIL ${where}: unknown apiVersion/kind ${key}`);
      errors++;
      continue;
    }
    const Model = Object.values(await import(kinds[key]))[0];
    try {
      new Model(object).validate();
      console.log(`ok   ${where}: ${key} ${object.metadata?.name} (schema)`);
      checked++;
      typed.push({ where, module: kinds[key], kind: object.kind, object });
    } catch (e) {
      console.log(`FAIL ${where}: ${key} ${object.metadata?.name}: ${e.message}`);
      errors++;
    }
  }
}
// Pass 2: one .ts file; a diagnostic's line tells which document it is about.
// Beside node_modules, so the imports resolve.
const folder = mkdtempSync(join(here, ".check-"));
const lines = [];
const starts = [];
typed.forEach((t, i) => lines.push(`import type { I${t.kind} as T${i} } from "${t.module}";`));
typed.forEach((t, i) => {
  starts.push(lines.length + 1);
  lines.push(...`export const d${i}: T${i} = ${JSON.stringify(t.object, null, 2)};`.split("\n"));
});
const source = join(folder, "manifests.ts");
writeFileSync(source, lines.join("\n") + "\n");
let diagnostics = "";
try {
  execFileSync(join(here, "node_modules", ".bin", "tsc"), ["--noEmit", "--strict", "--skipLibCheck", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", source], { cwd: here, encoding: "utf8" });
} catch (e) {
  diagnostics = `${e.stdout ?? ""}${e.stderr ?? ""}`;
}
const failedStrict = new Set();
for (const line of diagnostics.split("\n").filter((l) => l.includes("error TS"))) {
  const at = Number(/\((\d+),\d+\)/.exec(line)?.[1] ?? 0);
  let index = starts.length - 1;
  while (index > 0 && starts[index] > at) index--;
  const t = typed[index];
  console.log(`FAIL ${t.where}: ${t.kind} ${t.object.metadata?.name} (strict): ${line.replace(/^.*error TS\d+: /, "")}`);
  failedStrict.add(index);
}
typed.forEach((t, i) => { if (!failedStrict.has(i)) console.log(`ok   ${t.where}: ${t.kind} ${t.object.metadata?.name} (strict)`); });
errors += failedStrict.size;
checked -= failedStrict.size;
rmSync(folder, { recursive: true, force: true });
console.log(`${checked} passed, ${errors} failed`);
process.exit(errors > 0 || checked === 0 ? 1 : 0);
