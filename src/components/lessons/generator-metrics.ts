import { Gauge, type Registry } from 'prom-client';
import type { LessonGenerator } from './lesson-generator';

const states = { closed: 'closed', halfOpen: 'half_open', open: 'open' } as const;

/** The lesson provider's circuit breaker in this worker: one series per state, 1 for the current one. */
export function registerGeneratorMetrics(registry: Registry, generator: LessonGenerator): void {
  new Gauge({
    name: 'lesson_generator_circuit',
    help: 'Lesson provider circuit breaker state in this worker (1 for the current state); absent with the local generator, which has none.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const { circuit } = generator.status();
      this.reset();
      if (circuit === 'none') return;
      for (const [state, label] of Object.entries(states)) this.set({ state: label }, state === circuit ? 1 : 0);
    },
  });
}
