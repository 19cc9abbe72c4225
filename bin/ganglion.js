#!/usr/bin/env node
// The `ganglion` command. Pipelines and Ganglion itself are TypeScript, run
// through tsx with the workspace's tsconfig (for the @ganglion/* aliases),
// whatever the current directory.
'use strict';
const path = require('node:path');

process.env.TSX_TSCONFIG_PATH ??= path.join(__dirname, '..', 'tsconfig.json');
require('tsx/cjs/api').register();
require('reflect-metadata');

const { main } = require('../apps/cli/src/main.ts');
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
