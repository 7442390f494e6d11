/**
 * Documents: uploads, their checks and text extraction into sections.
 * The component's public entry: other components and the wiring import only this file.
 */
export { documentModel, type LearnerDocument } from './document.model';
export { documentsRouter } from './documents.routes';
export { createDocumentsService } from './documents.service';
export { documentProcessor, markDocumentFailed } from './process-document';
