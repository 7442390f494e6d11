import '../infra/runtime-check';
import { parseArgs } from 'node:util';
import type { Collection, Document, IndexDescriptionInfo, WithId } from 'mongodb';
import mongoose from 'mongoose';
import { runCli } from './connect-for-cli';

/** The server's own databases, never copied. */
const serverDatabases = new Set(['admin', 'local', 'config']);
const batchSize = 500;

/**
 * Copies every database of one MongoDB-protocol server into another, through the protocol
 * itself: documents (those already there replaced by `_id`, so a second run after an interrupted
 * one finishes the job instead of failing), then the indexes; then checks that each collection holds as many
 * documents on both sides. `scripts/stack` runs it once to move a stack from FerretDB's SQLite
 * backend to PostgreSQL.
 *   node dist/cli/copy-database.js --from mongodb://… --to mongodb://…
 */
runCli(async () => {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } } });
  if (!values.from || !values.to) throw new Error('usage: copy-database --from <mongodb URI> --to <mongodb URI>');
  const source = await new mongoose.mongo.MongoClient(values.from, { directConnection: true }).connect();
  const target = await new mongoose.mongo.MongoClient(values.to, { directConnection: true }).connect();
  try {
    const { databases } = await source.db().admin().listDatabases({ nameOnly: true });
    for (const { name } of databases.filter((database) => !serverDatabases.has(database.name))) {
      const collections = await source.db(name).listCollections({}, { nameOnly: true }).toArray();
      for (const { name: collection } of collections.filter((found) => !found.name.startsWith('system.'))) {
        const copied = await copyCollection(source.db(name).collection(collection), target.db(name).collection(collection));
        process.stdout.write(`${name}.${collection}: ${copied} documents\n`);
      }
    }
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
});

/**
 * Inserts the documents the target lacks; those it has (a second run) are replaced one command
 * each. Never a bulk of replacements, nor inserts left to fail on duplicates: FerretDB 1.24 on
 * PostgreSQL hangs on an update command of more statements than its pool has connections (50),
 * and can drop the connection on an insert answered with hundreds of duplicate-key errors
 * (docs/database.md).
 */
async function copyBatch(to: Collection, batch: WithId<Document>[], present: Set<string>): Promise<void> {
  const missing = batch.filter((document) => !present.has(String(document._id)));
  if (missing.length > 0) await to.insertMany(missing, { ordered: false });
  for (const document of batch.filter((candidate) => present.has(String(candidate._id)))) {
    await to.replaceOne({ _id: document._id }, document);
  }
}

/** listIndexes answers IndexDescriptionInfo documents (its cursor is typed loosely); a missing collection has none. */
async function indexesOf(collection: Collection): Promise<IndexDescriptionInfo[]> {
  return (
    (await collection
      .listIndexes()
      .toArray()
      .catch(() => [])) as IndexDescriptionInfo[]
  ).filter((index) => index.name !== '_id_');
}

async function copyCollection(from: Collection, to: Collection): Promise<number> {
  const present = new Set((await to.find({}, { projection: { _id: 1 } }).toArray()).map((document) => String(document._id)));
  let batch: WithId<Document>[] = [];
  for await (const document of from.find({}, { sort: { _id: 1 } })) {
    batch.push(document);
    if (batch.length === batchSize) {
      await copyBatch(to, batch, present);
      batch = [];
    }
  }
  if (batch.length > 0) await copyBatch(to, batch, present);
  // One at a time and only those missing: FerretDB 1.24 drops the connection (a panic) on a
  // createIndexes of several indexes that all exist already.
  const existing = new Set((await indexesOf(to)).map((index) => index.name));
  for (const { key, ...options } of await indexesOf(from)) {
    if (!existing.has(options.name)) await to.createIndex(key, options);
  }
  const [expected, actual] = await Promise.all([from.countDocuments(), to.countDocuments()]);
  if (expected !== actual) throw new Error(`${from.namespace}: ${expected} documents in the source, ${actual} in the copy`);
  return actual;
}
