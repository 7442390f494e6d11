import { faker } from '@faker-js/faker';
import { Types } from 'mongoose';
import { type Account, type Profile, searchTermsFor } from '../components/learners';
import { cefrLevels, type CefrLevel } from '../shared/cefr-levels';
import type { Tier } from '../shared/tiers';

const interests = [
  'travel',
  'cooking',
  'football',
  'music',
  'movies',
  'photography',
  'hiking',
  'chess',
  'business',
  'technology',
  'medicine',
  'literature',
  'history',
  'gaming',
  'fashion',
  'yoga',
  'science',
  'art',
  'economics',
  'volunteering',
];
const goals = [
  'Pass IELTS with 7.0',
  'Prepare for TOEFL',
  'Speak confidently in meetings',
  'Write better e-mails',
  'Travel without a phrasebook',
  'Watch films without subtitles',
  'Get a job abroad',
  'Help my children with homework',
  'Present at a conference',
  'Read novels in English',
];
const nativeLanguages = ['es', 'pt', 'fr', 'de', 'it', 'pl', 'tr', 'ar', 'zh', 'ja', 'ko', 'vi', 'ru', 'uk', 'hi'];
const timezones = ['Europe/Madrid', 'America/Sao_Paulo', 'Europe/Paris', 'Europe/Berlin', 'Europe/Warsaw', 'Asia/Tokyo', 'Asia/Seoul', 'Asia/Shanghai'];
const levelWeights: [CefrLevel, number][] = [
  ['A1', 10],
  ['A2', 18],
  ['B1', 27],
  ['B2', 24],
  ['C1', 14],
  ['C2', 7],
];
const tierWeights: [Tier, number][] = [
  ['starter', 80],
  ['professional', 15],
  ['enterprise', 5],
];

const weighted = <T>(entries: [T, number][]): T => faker.helpers.weightedArrayElement(entries.map(([value, weight]) => ({ value, weight })));

/** A realistic learner, ready for insertMany. All seeded learners share one password hash. */
export function fakeLearner(index: number, runId: string, passwordHash: string): Account {
  const firstName = faker.person.firstName();
  const lastName = faker.person.lastName();
  const chosen = faker.helpers.arrayElements(interests, { min: 2, max: 5 });
  const profile: Profile = {
    displayName: `${firstName} ${lastName}`,
    bio: `${faker.person.jobTitle()} from ${faker.location.city()}. ${faker.helpers.arrayElement(['I want to', 'I am learning English to', 'My goal is to'])} ${faker.helpers.arrayElement(['work abroad', 'travel more', 'pass an exam', 'talk with colleagues', 'enjoy books'])}.`,
    nativeLanguage: faker.helpers.arrayElement(nativeLanguages),
    level: weighted(levelWeights),
    interests: chosen,
    goals: faker.helpers.arrayElements(goals, { min: 1, max: 2 }),
    timezone: faker.helpers.arrayElement(timezones),
    avatar: null,
  };
  // insertMany with `lean` skips mongoose's timestamps: a sign-up date within the last year.
  const createdAt = faker.date.past({ years: 1 });
  return {
    _id: new Types.ObjectId(),
    createdAt,
    updatedAt: createdAt,
    email: `seed-${runId}-${index}@example.com`,
    passwordHash,
    tier: weighted(tierWeights),
    profile,
    profileVersion: 0,
    search: searchTermsFor(profile),
  };
}

export { cefrLevels };
