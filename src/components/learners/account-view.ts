import type { Account } from './account.model';

export interface AccountView {
  id: string;
  email: string;
  tier: Account['tier'];
  displayName: string;
  createdAt: string;
}

export function accountView(account: Pick<Account, '_id' | 'email' | 'tier' | 'profile' | 'createdAt'>): AccountView {
  return {
    id: account._id.toHexString(),
    email: account.email,
    tier: account.tier,
    displayName: account.profile.displayName,
    createdAt: account.createdAt.toISOString(),
  };
}
