/** Tests run against real Redis and the real database started by tests/support/global-setup.ts. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // load/*.js are the ES modules of the k6 script (load-test.js): compiled for jest like our .ts.
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2024' } }],
    // scripts/benchmarks/*.mts (Node runs them with type stripping), e.g. the report renderer.
    '^.+\\.mts$': ['@swc/jest', { jsc: { target: 'es2024', parser: { syntax: 'typescript' } } }],
    '/load/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2024' } }],
  },
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
