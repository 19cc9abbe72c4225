#!/usr/bin/env node
// The `ganglion` command. Pipeline files are TypeScript, run through tsx.
// In a checkout of Ganglion its own sources are TypeScript too, resolved
// through the workspace's tsconfig (the @ganglion/* aliases), whatever the
// current directory; in an install (npm's `ganglion` package) the same
// require finds the compiled JavaScript, and @ganglion/* are packages.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const workspaceTsconfig = path.join(__dirname, '..', 'tsconfig.json');
if (fs.existsSync(workspaceTsconfig)) process.env.TSX_TSCONFIG_PATH ??= workspaceTsconfig;
require('tsx/cjs/api').register();
require('reflect-metadata');

const { main } = require('../apps/cli/src/main');
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
