import '../infra/runtime-check';
import { parseArgs } from 'node:util';
import { migrate } from '../database-indexes';
import { connectForCli, runCli } from './connect-for-cli';
import { buildSearchIndex } from './search-index-for-cli';

runCli(async () => {
  const { values } = parseArgs({ options: { 'rebuild-search-index': { type: 'boolean', default: false } } });
  const database = await connectForCli();
  try {
    const { capabilities, reports } = await migrate(database.connection);
    process.stdout.write(
      `database: ${capabilities.engine} ${capabilities.serverVersion}; text indexes: ${capabilities.textSearch}, TTL indexes: ${capabilities.ttlIndexes}\n`,
    );
    for (const report of reports) {
      const created = report.created.length > 0 ? report.created.join(', ') : 'none';
      process.stdout.write(`${report.collection}: created ${created}; already there: ${report.existing.join(', ') || 'none'}\n`);
    }
    process.stdout.write(`${await buildSearchIndex(database, capabilities.textSearch, values['rebuild-search-index'] ? 'fresh' : 'missing')}\n`);
  } finally {
    await database.close();
  }
});
