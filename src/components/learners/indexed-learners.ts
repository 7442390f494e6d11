import type { Model } from 'mongoose';
import type { Account } from './account.model';
import type { IndexedLearner } from './search-index';

/** Every learner's searchable profile, streamed in batches: what the search index is built from. */
export function indexedLearners(accounts: Model<Account>): () => AsyncIterable<IndexedLearner> {
  return async function* learners() {
    const cursor = accounts.find({}, { profile: 1, profileVersion: 1, createdAt: 1 }).lean<Account>().cursor({ batchSize: 1000 });
    for await (const account of cursor) {
      yield { id: account._id.toHexString(), version: account.profileVersion ?? 0, profile: account.profile, createdAt: account.createdAt };
    }
  };
}
