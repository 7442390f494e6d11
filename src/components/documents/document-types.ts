import { filetypeinfo } from 'magic-bytes.js';
import { AppError } from '../../infra/errors/app-error';
import type { DocumentKind } from './document.model';

export interface DocumentType {
  kind: DocumentKind;
  contentType: string;
  extension: string;
}

const pdf: DocumentType = { kind: 'pdf', contentType: 'application/pdf', extension: 'pdf' };
const docx: DocumentType = { kind: 'docx', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extension: 'docx' };
const txt: DocumentType = { kind: 'txt', contentType: 'text/plain; charset=utf-8', extension: 'txt' };

/** Office files encrypted with a password are OLE containers holding this stream (UTF-16 name). */
const encryptedOfficeMarker = Buffer.from('EncryptedPackage', 'utf16le');
const oleSignature = Buffer.from('d0cf11e0a1b11ae1', 'hex');

/**
 * The document's type from its content; its name and declared type are not trusted.
 * A ZIP counts as DOCX only if it holds `word/document.xml`; a password-protected Word file
 * is accepted as DOCX so that processing can report it as encrypted; text must be UTF-8.
 */
export function detectDocumentType(bytes: Buffer): DocumentType {
  const mimes = new Set(filetypeinfo(bytes.subarray(0, 64)).map((match) => match.mime));
  if (mimes.has('application/pdf')) return pdf;
  if (mimes.has('application/zip') && bytes.includes('word/document.xml')) return docx;
  if (bytes.subarray(0, 8).equals(oleSignature) && bytes.includes(encryptedOfficeMarker)) return docx;
  // Some signatures are one byte long (MPEG-TS is "G"), so text is judged by itself.
  if (isUtf8Text(bytes)) return txt;
  throw new AppError('UNSUPPORTED_FILE_TYPE', 'The file content is not one of: PDF, DOCX (Word), UTF-8 text');
}

/** Valid UTF-8 without NUL bytes or other binary control characters. */
function isUtf8Text(bytes: Buffer): boolean {
  // `stream` keeps a character cut at the 64 KiB boundary from decoding as U+FFFD.
  const text = new TextDecoder('utf-8').decode(bytes.subarray(0, 65_536), { stream: true });
  if (text.includes('\uFFFD')) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Tabs, line feeds, form feeds and carriage returns are text; other C0 controls and DEL are not.
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d) || code === 0x7f) return false;
  }
  return true;
}
