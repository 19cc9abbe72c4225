module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'models',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
