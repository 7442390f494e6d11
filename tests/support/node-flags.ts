import { createRequire } from 'node:module';
import { join } from 'node:path';
import { projectRoot } from './servers';

interface IPm2App {
  name: string;
  node_args?: string[];
}

/** The V8 flags PM2 starts the API processes with (ecosystem.config.js): the other launchers must match. */
export const apiNodeFlags: readonly string[] = (() => {
  const { apps } = createRequire(__filename)(join(projectRoot, 'ecosystem.config.js')) as { apps: IPm2App[] };
  const api = apps.find((app) => app.name === 'english-practice-api');
  if (!api?.node_args) throw new Error('ecosystem.config.js: the API app has no node_args');
  return api.node_args;
})();
