import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { migrateDatabase } from '../support/migrate';
import { projectRoot, startFerretDb, type DatabaseServer } from '../support/servers';

jest.setTimeout(120_000);

const run = promisify(execFile);
const copyDatabase = (from: string, to: string): Promise<{ stdout: string }> =>
  run(process.execPath, [join(projectRoot, 'dist', 'cli', 'copy-database.js'), '--from', from, '--to', to]);

/**
 * What `./scripts/stack up` runs once for a stack whose data is still in FerretDB's SQLite
 * files: the copy into FerretDB on PostgreSQL through the MongoDB protocol.
 */
describe('copy-database: an SQLite-backed FerretDB into one on PostgreSQL', () => {
  let sqlite: DatabaseServer;
  let postgresql: DatabaseServer;
  beforeAll(async () => {
    sqlite = await startFerretDb('sqlite');
    postgresql = await startFerretDb('postgresql');
  });
  afterAll(async () => {
    await Promise.all([sqlite?.destroy(), postgresql?.destroy()]);
  });

  it('copies every database, document and index, checks the counts, and can run again', async () => {
    await migrateDatabase(`${sqlite.url}/english_practice`);
    const source = await new mongoose.mongo.MongoClient(sqlite.url).connect();
    const target = await new mongoose.mongo.MongoClient(postgresql.url).connect();
    try {
      const accounts = Array.from({ length: 1203 }, (_, n) => ({
        _id: new mongoose.Types.ObjectId(),
        email: `learner-${n}@example.com`,
        profile: { displayName: `Learner ${n}`, level: 'B2', interests: ['hiking', 'música'] },
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
      }));
      await source.db('english_practice').collection('accounts').insertMany(accounts);
      await source
        .db('another')
        .collection('notes')
        .insertMany([{ text: 'kept too' }, { text: 'and this' }]);

      const { stdout } = await copyDatabase(`${sqlite.url}/`, `${postgresql.url}/`);
      expect(stdout).toContain('english_practice.accounts: 1203 documents');
      expect(stdout).toContain('another.notes: 2 documents');
      const copied = target.db('english_practice').collection('accounts');
      expect(await copied.countDocuments()).toBe(1203);
      expect(await copied.findOne({ email: 'learner-1202@example.com' })).toEqual(accounts[1202]);
      const indexes = (await copied.listIndexes().toArray()).map((index) => index.name as string);
      expect(indexes).toEqual(expect.arrayContaining(['_id_', 'email_unique', 'level_language']));
      // The unique index came along: a second account with the same e-mail is refused.
      await expect(copied.insertOne({ email: 'learner-7@example.com' })).rejects.toMatchObject({ code: 11000 });

      // An interrupted copy is finished by running it again: documents are replaced, not doubled.
      await copied.deleteMany({ email: { $in: ['learner-3@example.com', 'learner-4@example.com'] } });
      await copyDatabase(`${sqlite.url}/`, `${postgresql.url}/`);
      expect(await copied.countDocuments()).toBe(1203);
      expect(await target.db('another').collection('notes').countDocuments()).toBe(2);
    } finally {
      await Promise.all([source.close(), target.close()]);
    }
  });

  it('fails, naming the collection, when the copy does not hold what the source holds', async () => {
    const source = await new mongoose.mongo.MongoClient(sqlite.url).connect();
    const target = await new mongoose.mongo.MongoClient(postgresql.url).connect();
    try {
      // A document the source lacks already sits in the target: the counts cannot match.
      await source.db('mismatch').collection('items').insertOne({ n: 1 });
      await target.db('mismatch').collection('items').insertOne({ n: 2 });
      await expect(copyDatabase(`${sqlite.url}/`, `${postgresql.url}/`)).rejects.toMatchObject({
        stderr: expect.stringContaining('mismatch.items: 1 documents in the source, 2 in the copy'),
      });
    } finally {
      await Promise.all([source.close(), target.close()]);
    }
  });
});
