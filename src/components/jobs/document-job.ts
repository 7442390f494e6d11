/** What an upload-processing job carries: ids only; the worker reads the rest fresh. */
export interface DocumentJobData {
  documentId: string;
  ownerId: string;
}
