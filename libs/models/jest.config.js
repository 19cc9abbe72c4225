// Dawn's OpenGL route to a software GPU (webgpu specs) needs EGL_PLATFORM
// in the real environment of the test workers: jest's sandboxed process.env
// never reaches Mesa, so selectBackend cannot set it from inside a spec.
if (!process.env.EGL_PLATFORM && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) process.env.EGL_PLATFORM = 'surfaceless';

module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'models',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
