import type { RequestHandler } from 'express';
import { filetypeinfo } from 'magic-bytes.js';
import multer from 'multer';
import { AppError, ValidationError, type ErrorCode } from '../errors/app-error';

const multerErrors: Partial<Record<multer.ErrorCode, ErrorCode>> = {
  LIMIT_FILE_SIZE: 'FILE_TOO_LARGE',
  LIMIT_UNEXPECTED_FILE: 'UNEXPECTED_FIELD',
  LIMIT_FILE_COUNT: 'TOO_MANY_FILES',
  LIMIT_PART_COUNT: 'TOO_MANY_PARTS',
  LIMIT_FIELD_COUNT: 'TOO_MANY_FIELDS',
  LIMIT_FIELD_KEY: 'FIELD_NAME_TOO_LONG',
  LIMIT_FIELD_VALUE: 'FIELD_TOO_LONG',
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
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Send the file as multipart/form-data in the field "${field}"`);
    }
    upload(req, res, (error: unknown) => {
      if (error === undefined || error === null) {
        if (!req.file) return next(new ValidationError(`Attach a file in the multipart field "${field}"`));
        if (req.file.size === 0) return next(new ValidationError('The file is empty'));
        return next();
      }
      const known = error instanceof multer.MulterError ? multerErrors[error.code] : undefined;
      next(new AppError(known ?? 'MALFORMED_MULTIPART'));
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
    throw new AppError('UNSUPPORTED_FILE_TYPE', `The file content is not one of: ${Object.keys(allowed).join(', ')}`);
  }
  return { mime, extension: allowed[mime]! };
}
