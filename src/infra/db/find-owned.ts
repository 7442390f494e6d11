import type { Model, Types } from 'mongoose';

/**
 * The document with this id if it belongs to `ownerId`, else null (someone else's is as good
 * as missing). Looked up by `_id` alone, which every server answers from its primary index;
 * FerretDB scans the whole collection for a filter with any other field.
 */
export async function findOwned<T extends { ownerId: Types.ObjectId }>(
  model: Model<T>,
  id: string,
  ownerId: string,
  fields?: (keyof T & string)[],
): Promise<T | null> {
  const projection = fields ? Object.fromEntries([...fields, 'ownerId'].map((field) => [field, 1])) : undefined;
  const found = await model.findById(id, projection).lean<T>();
  return found !== null && found.ownerId.toHexString() === ownerId ? found : null;
}
