import CircuitBreaker from 'opossum';
import type { Config } from '../../infra/config/config';
import type { Logger } from '../../infra/logger';
import type { LessonContent, LessonInput } from './lesson-content';
import { createLlmGenerator } from './llm-generator';
import { generateLocalLesson, localGeneratorVersion } from './local-generator';

export interface GeneratedLesson {
  content: LessonContent;
  /** The generator that made this lesson, with its version. */
  version: string;
  /** True when the configured provider failed or its breaker was open. */
  fallback: boolean;
}

export interface GeneratorStatus {
  name: 'local' | 'openai';
  circuit: 'closed' | 'open' | 'halfOpen' | 'none';
  fallbacks: number;
  failures: number;
}

export interface LessonGenerator {
  /** The version of the configured generator: part of every lesson cache key. */
  readonly version: string;
  generate(input: LessonInput): Promise<GeneratedLesson>;
  status(): GeneratorStatus;
  shutdown(): void;
}

/** The version lessons are cached under; the API knows it without building a generator. */
export function generatorVersionOf(config: Config['lessons']): string {
  return config.generator === 'local' ? localGeneratorVersion : `openai-1:${config.llm.model}`;
}

const local = (input: LessonInput): GeneratedLesson => ({ content: generateLocalLesson(input), version: localGeneratorVersion, fallback: false });

export function createLessonGenerator(config: Config['lessons'], logger: Logger, fetchImpl: typeof fetch = fetch): LessonGenerator {
  if (config.generator === 'local') {
    return {
      version: localGeneratorVersion,
      generate: (input) => Promise.resolve(local(input)),
      status: () => ({ name: 'local', circuit: 'none', fallbacks: 0, failures: 0 }),
      shutdown: () => undefined,
    };
  }

  const { llm } = config;
  const version = generatorVersionOf(config);
  const log = logger.child({ component: 'lesson-generator', provider: llm.baseUrl, model: llm.model });
  const generateWithLlm = createLlmGenerator(llm, fetchImpl);
  const breaker = new CircuitBreaker(
    async (input: LessonInput): Promise<GeneratedLesson> => ({ content: await generateWithLlm(input), version, fallback: false }),
    {
      name: 'lesson-llm',
      timeout: llm.timeoutMs,
      errorThresholdPercentage: llm.breaker.errorPercent,
      volumeThreshold: llm.breaker.volume,
      resetTimeout: llm.breaker.resetMs,
      rollingCountTimeout: 60_000,
    },
  );
  let fallbacks = 0;
  let failures = 0;
  breaker.fallback((input: LessonInput) => {
    fallbacks++;
    return { ...local(input), fallback: true };
  });
  breaker.on('failure', (error: unknown) => {
    failures++;
    log.warn({ err: error }, 'lesson provider failed; using the local generator');
  });
  breaker.on('timeout', () => log.warn({ timeoutMs: llm.timeoutMs }, 'lesson provider timed out'));
  breaker.on('open', () => log.error({ resetMs: llm.breaker.resetMs }, 'lesson provider circuit opened: lessons come from the local generator'));
  breaker.on('halfOpen', () => log.info('lesson provider circuit half-open: trying the provider again'));
  breaker.on('close', () => log.info('lesson provider circuit closed'));

  return {
    version,
    generate: (input) => breaker.fire(input),
    status: () => ({
      name: 'openai',
      circuit: breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed',
      fallbacks,
      failures,
    }),
    shutdown: () => breaker.shutdown(),
  };
}
