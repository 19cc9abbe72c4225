module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'comm',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
