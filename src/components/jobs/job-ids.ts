/**
 * Job ids are chosen by the API, not by Bull: the same work enqueued twice (a retried
 * request, two tabs) maps to one job, and the id tells which queue holds the job.
 */
export const jobIdPattern = /^(upload|lesson)-[a-f0-9]{24}(-[a-f0-9]{16})?$/;

export function uploadJobId(documentId: string): string {
  return `upload-${documentId}`;
}

export function lessonJobId(documentId: string, contentKey: string): string {
  return `lesson-${documentId}-${contentKey.slice(0, 16)}`;
}

export function queueOfJobId(jobId: string): 'uploads' | 'lessons' {
  return jobId.startsWith('upload-') ? 'uploads' : 'lessons';
}
