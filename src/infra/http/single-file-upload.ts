import type { RequestHandler } from 'express';
import { filetypeinfo } from 'magic-bytes.js';
import multer from 'multer';
import { AppError, ValidationError } from '../errors/app-error';

const multerErrors: Partial<Record<multer.ErrorCode, { status: number; code: string; message: string }>> = {
  LIMIT_FILE_SIZE: { status: 413, code: 'FILE_TOO_LARGE', message: 'The file is larger than allowed' },
  LIMIT_UNEXPECTED_FILE: { status: 400, code: 'UNEXPECTED_FIELD', message: 'Unexpected file field' },
  LIMIT_FILE_COUNT: { status: 400, code: 'TOO_MANY_FILES', message: 'Send exactly one file' },
  LIMIT_PART_COUNT: { status: 400, code: 'TOO_MANY_PARTS', message: 'Too many parts in the form' },
  LIMIT_FIELD_COUNT: { status: 400, code: 'TOO_MANY_FIELDS', message: 'Too many fields in the form' },
  LIMIT_FIELD_KEY: { status: 400, code: 'FIELD_NAME_TOO_LONG', message: 'A field name is too long' },
  LIMIT_FIELD_VALUE: { status: 400, code: 'FIELD_TOO_LONG', message: 'A field value is too long' },
};

/**
 * Parses a multipart body holding one file in `field` (in memory, at most `maxBytes`),
 * turning every parser complaint into a 4xx in the error shape.
 */
export function singleFileUpload(field: string, maxBytes: number): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    // Browsers and curl send a file name as raw UTF-8 (RFC 7578), without a charset; busboy's
    // default reads it as Latin-1, which stored "lección.txt" as "lecciÃ³n.txt".
    defParamCharset: 'utf8',
    limits: { fileSize: maxBytes, files: 1, fields: 10, parts: 12, fieldSize: 1024 },
  }).single(field);

  return (req, res, next) => {
    if (!req.is('multipart/form-data')) {
      throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `Send the file as multipart/form-data in the field "${field}"`);
    }
    upload(req, res, (error: unknown) => {
      if (error === undefined || error === null) {
        if (!req.file) return next(new ValidationError(`Attach a file in the multipart field "${field}"`));
        if (req.file.size === 0) return next(new ValidationError('The file is empty'));
        return next();
      }
      const known = error instanceof multer.MulterError ? multerErrors[error.code] : undefined;
      next(known ? new AppError(known.status, known.code, known.message) : new AppError(400, 'MALFORMED_MULTIPART', 'The multipart body is malformed'));
    });
  };
}

export interface SniffedType {
  mime: string;
  extension: string;
}

/** The file's type from its first bytes; its name and declared type are not trusted. */
export function sniffType(bytes: Buffer, allowed: Record<string, string>): SniffedType {
  const mime = filetypeinfo(bytes.subarray(0, 64))
    .map((match) => match.mime)
    .find((candidate): candidate is string => candidate !== undefined && candidate in allowed);
  if (!mime) {
    throw new AppError(415, 'UNSUPPORTED_FILE_TYPE', `The file content is not one of: ${Object.keys(allowed).join(', ')}`);
  }
  return { mime, extension: allowed[mime]! };
}
