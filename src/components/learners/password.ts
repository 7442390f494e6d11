import argon2 from 'argon2';

export interface PasswordHashCost {
  memoryKib: number;
  timeCost: number;
}

/** argon2id runs on libuv's thread pool, so hashing does not block the event loop. */
export function createPasswordHasher(cost: PasswordHashCost) {
  const options = { type: argon2.argon2id as 2, memoryCost: cost.memoryKib, timeCost: cost.timeCost, parallelism: 1 };
  // Verified against when the account does not exist, so a wrong e-mail costs as long as a wrong password.
  const decoy = argon2.hash('decoy-password-for-unknown-accounts', options);

  return {
    hash: (password: string): Promise<string> => argon2.hash(password, options),
    async verify(hash: string | null, password: string): Promise<boolean> {
      if (hash === null) {
        await argon2.verify(await decoy, password);
        return false;
      }
      return argon2.verify(hash, password);
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
