// Shared Jest settings for every project: TypeScript through SWC (type
// checking is the separate `typecheck` target) and the @ganglion/* aliases
// read from tsconfig.base.json, so tests import libs the way apps do.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias}$`] = path.join(__dirname, target);
}

module.exports = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  setupFiles: [path.join(__dirname, 'jest.setup.js')],
  // Specs on real sockets and processes share two cores with CI's other project (nx --parallel=2): 16 tfjs workers
  // starting there can hold a 100 ms exchange up for seconds. A hung test still fails, after 30 s instead of 5.
  testTimeout: 30_000,
};
