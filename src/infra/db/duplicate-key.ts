/** MongoDB's "duplicate key" error (E11000): a unique index refused the write. */
const duplicateKeyCode = 11000;

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === duplicateKeyCode;
}
