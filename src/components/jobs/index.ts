/**
 * Jobs: the Bull queues, what their jobs carry, their ids and priorities, and the job status API.
 * The component's public entry: other components and the wiring import only this file.
 */
export type { DocumentJobData } from './document-job';
export { lessonJobId, uploadJobId } from './job-ids';
export { closeJobQueues, openJobQueues, type JobQueues } from './job-queues';
export { jobsRouter } from './jobs.routes';
export { createJobsService } from './jobs.service';
export type { LessonJobData } from './lesson-job';
export { bullPriority, effectivePriority, priorities, type Priority } from './priority';
export { registerQueueMetrics } from './queue-metrics';
export { StreamSlots } from './stream-slots';
