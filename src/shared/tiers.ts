/** What an account pays for: it sets job priorities and rate limits. */
export const tiers = ['starter', 'professional', 'enterprise'] as const;
export type Tier = (typeof tiers)[number];
