import mammoth from 'mammoth';
import { PDFParse } from 'pdf-parse';
import { PermanentJobError } from '../../infra/queue/permanent-failure';
import type { DocumentKind } from './document.model';

const encryptedOfficeMarker = Buffer.from('EncryptedPackage', 'utf16le');

/**
 * The plain text of a document, paragraphs separated by blank lines. A file no library can
 * read fails for good (corrupt, encrypted), never with a retry.
 */
export async function extractText(kind: DocumentKind, bytes: Buffer): Promise<string> {
  switch (kind) {
    case 'pdf':
      return extractPdf(bytes);
    case 'docx':
      return extractDocx(bytes);
    case 'txt':
      return new TextDecoder('utf-8').decode(bytes).replace(/\r\n?/g, '\n');
  }
}

async function extractPdf(bytes: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(bytes) });
  try {
    // Pages end with a blank line, so a page break also ends a paragraph.
    const result = await parser.getText({ pageJoiner: '' });
    return result.text;
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'PasswordException') throw new PermanentJobError('ENCRYPTED', 'The PDF is password-protected; upload a copy without a password');
    if (name === 'InvalidPDFException' || name === 'FormatError' || name === 'UnknownErrorException') {
      throw new PermanentJobError('CORRUPT', 'The PDF is damaged or not a valid PDF file');
    }
    throw error;
  } finally {
    await parser.destroy();
  }
}

async function extractDocx(bytes: Buffer): Promise<string> {
  if (bytes.includes(encryptedOfficeMarker)) {
    throw new PermanentJobError('ENCRYPTED', 'The Word document is password-protected; upload a copy without a password');
  }
  try {
    const result = await mammoth.extractRawText({ buffer: bytes });
    return result.value;
  } catch {
    // mammoth rejects only what it cannot read as a Word document (a broken ZIP, missing parts).
    throw new PermanentJobError('CORRUPT', 'The Word document is damaged or not a valid DOCX file');
  }
}
