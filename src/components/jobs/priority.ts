import type { Tier } from '../../shared/tiers';

export const priorities = ['high', 'normal', 'low'] as const;
export type Priority = (typeof priorities)[number];

/** Bull runs lower numbers first. */
const bullPriorities: Record<Priority, number> = { high: 1, normal: 5, low: 10 };
const order: Priority[] = ['low', 'normal', 'high'];

/**
 * What each tier may ask for: starter is capped at `normal`, enterprise is never below
 * `normal` and gets `high` when it asks for nothing.
 */
const tierPolicy: Record<Tier, { byDefault: Priority; lowest: Priority; highest: Priority }> = {
  starter: { byDefault: 'normal', lowest: 'low', highest: 'normal' },
  professional: { byDefault: 'normal', lowest: 'low', highest: 'high' },
  enterprise: { byDefault: 'high', lowest: 'normal', highest: 'high' },
};

/** The priority a job runs at: the client's request, raised or capped by the account's tier. */
export function effectivePriority(tier: Tier, requested: Priority | undefined): Priority {
  const policy = tierPolicy[tier];
  const rank = order.indexOf(requested ?? policy.byDefault);
  const clamped = Math.min(Math.max(rank, order.indexOf(policy.lowest)), order.indexOf(policy.highest));
  return order[clamped]!;
}

export function bullPriority(priority: Priority): number {
  return bullPriorities[priority];
}

export function priorityOfBull(value: number | undefined): Priority {
  return priorities.find((priority) => bullPriorities[priority] === value) ?? 'normal';
}
