module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'coordinator-app',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
