import { Router, type RequestHandler } from 'express';
import { singleFileUpload } from '../../infra/http/single-file-upload';
import { parseInput } from '../../infra/http/validate';
import { authOf, authenticate, type AccessTokens } from '../learners';
import { detectDocumentType } from './document-types';
import type { DocumentsService } from './documents.service';
import { documentIdParams, documentListQuery, uploadFields } from './documents.validation';

export interface DocumentsRouteLimits {
  general: RequestHandler;
  upload: RequestHandler;
  /** Upload jobs per learner per window. */
  uploadJobs: RequestHandler;
}

export function documentsRouter(documents: DocumentsService, accessTokens: AccessTokens, maxBytes: number, limits: DocumentsRouteLimits): Router {
  const router = Router();
  const signedIn = authenticate(accessTokens);

  router.post('/', limits.upload, signedIn, limits.uploadJobs, singleFileUpload('file', maxBytes), async (req, res) => {
    const { priority } = parseInput(uploadFields, req.body ?? {}, 'body');
    const file = req.file!;
    const type = detectDocumentType(file.buffer);
    const accepted = await documents.upload(authOf(req), { bytes: file.buffer, originalName: file.originalname, type }, priority);
    res.status(202).location(`/api/documents/${accepted.document.id}`).json(accepted);
  });

  router.get('/', limits.general, signedIn, async (req, res) => {
    res.json(await documents.list(authOf(req).accountId, parseInput(documentListQuery, req.query, 'query')));
  });

  router.get('/:id', limits.general, signedIn, async (req, res) => {
    res.json(await documents.get(authOf(req).accountId, parseInput(documentIdParams, req.params, 'params').id));
  });

  router.delete('/:id', limits.general, signedIn, async (req, res) => {
    await documents.remove(authOf(req).accountId, parseInput(documentIdParams, req.params, 'params').id);
    res.status(204).end();
  });

  return router;
}
