#!/usr/bin/env node
// Validates Kubernetes manifests against the Kubernetes API's OpenAPI
// schemas, offline: kubernetes-models bundles them (a devDependency).
//
//   node deploy/kubernetes/validate-manifests.mjs deploy/kubernetes/*.yaml
//
// Prints one line per object ("ok Job/ganglion" or what is wrong, with the
// field's path) and exits 1 when any object is invalid or of a kind the
// schemas do not know.
import * as fs from 'node:fs';
import { parseAllDocuments } from 'yaml';

/** `batch/v1` + `Job` → the kubernetes-models module of that kind. */
function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : [undefined, apiVersion];
  return group === undefined ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
}

async function validateObject(object) {
  const name = `${object?.kind}/${object?.metadata?.name}`;
  if (typeof object?.apiVersion !== 'string' || typeof object?.kind !== 'string') return `${name}: apiVersion and kind are required`;
  let model;
  try {
    model = (await import(modulePath(object.apiVersion, object.kind)))[object.kind];
  } catch {
    return `${name}: no schema for ${object.apiVersion} ${object.kind} (a typo in apiVersion or kind, or a custom resource)`;
  }
  try {
    new model(object).validate();
    return undefined;
  } catch (error) {
    return `${name}: ${error.message}`;
  }
}

let failed = 0;
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    if (document.errors.length > 0) {
      console.log(`${file}: not YAML: ${document.errors[0].message}`);
      failed += 1;
      continue;
    }
    const object = document.toJS();
    if (object === null) continue;
    const problem = await validateObject(object);
    if (problem === undefined) console.log(`ok ${file} ${object.apiVersion} ${object.kind}/${object.metadata?.name}`);
    else {
      console.log(`invalid ${file} ${problem}`);
      failed += 1;
    }
  }
}
process.exit(failed > 0 ? 1 : 0);
