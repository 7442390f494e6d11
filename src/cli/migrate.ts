import '../infra/runtime-check';
import { migrate } from '../components/indexes';
import { connectForCli, runCli } from './connect-for-cli';

runCli(async () => {
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
  } finally {
    await database.close();
  }
});
