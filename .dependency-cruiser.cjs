/**
 * Import cycles in src/, type-only imports included (ESLint's import-x/no-cycle skips those):
 * `npx depcruise src` in scripts/test. docs/architecture.md explains the component split.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle, type-only imports included: move the shared part down (src/shared/ or the owning component).',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
