import '../infra/runtime-check';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { accountModel, createPasswordHasher } from '../components/learners';
import { loadConfig } from '../infra/config/config';
import { connectForCli, runCli } from './connect-for-cli';
import { buildSearchIndex } from './search-index-for-cli';
import { fakeLearner } from './seed-learners';

export const seedPassword = 'practice-makes-perfect';

runCli(async () => {
  const { values } = parseArgs({ options: { learners: { type: 'string', default: '1000' }, batch: { type: 'string', default: '1000' } } });
  const total = Number(values.learners);
  const batchSize = Number(values.batch);
  if (!Number.isInteger(total) || total < 1) throw new Error('--learners must be a positive whole number');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('--batch must be a positive whole number');

  const config = loadConfig(undefined, { needsSecrets: false });
  const database = await connectForCli();
  try {
    const started = performance.now();
    const accounts = accountModel(database.connection);
    const passwordHash = await createPasswordHasher(config.auth.passwordHash).hash(seedPassword);
    const runId = randomBytes(3).toString('hex');
    for (let offset = 0; offset < total; offset += batchSize) {
      const batch = Array.from({ length: Math.min(batchSize, total - offset) }, (_, index) => fakeLearner(offset + index, runId, passwordHash));
      await accounts.insertMany(batch, { ordered: false, lean: true });
      process.stdout.write(`\rinserted ${offset + batch.length} / ${total}`);
    }
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `\nseeded ${total} learners in ${seconds.toFixed(1)}s (${Math.round(total / seconds)}/s); e-mails seed-${runId}-<n>@example.com, password "${seedPassword}"\n`,
    );
    // Bulk inserts bypass the index's updates: build it again so the new learners are found.
    process.stdout.write(`${await buildSearchIndex(database, database.capabilities()?.textSearch === true, 'update')}\n`);
  } finally {
    await database.close();
  }
});
