import { Document, Packer, Paragraph } from 'docx';
import PDFDocument from 'pdfkit';

/** Paragraphs of plain English about one topic: enough words for sections and exercises. */
export const readingText = [
  'Gardening is a popular hobby in many countries. People grow vegetables, flowers and herbs in small gardens behind their houses. Some families share a garden with their neighbours and meet there at the weekend.',
  'A successful garden needs good soil, enough water and plenty of sunlight. Experienced gardeners test the soil before they plant anything. They add compost to improve the soil and protect young plants from insects.',
  'Many gardeners believe that growing food is good for the environment. Vegetables from a local garden do not travel long distances, so they need less packaging and less fuel. Gardening also encourages people to spend time outdoors and stay active.',
  'In cities, people without gardens grow plants on balconies and rooftops. Community projects turn empty land into shared gardens where neighbours learn from each other. These projects often organise workshops for children and beginners.',
];

export function pdfOf(paragraphs: string[], options: PDFKit.PDFDocumentOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const document = new PDFDocument(options);
    const chunks: Buffer[] = [];
    document.on('data', (chunk: Buffer) => chunks.push(chunk));
    document.on('end', () => resolve(Buffer.concat(chunks)));
    document.on('error', reject);
    paragraphs.forEach((paragraph, index) => document.text(paragraph, { paragraphGap: 12 }).moveDown(index < paragraphs.length - 1 ? 1 : 0));
    document.end();
  });
}

export function docxOf(paragraphs: string[]): Promise<Buffer> {
  return Packer.toBuffer(new Document({ sections: [{ children: paragraphs.map((text) => new Paragraph(text)) }] }));
}

export const txtOf = (paragraphs: string[]): Buffer => Buffer.from(paragraphs.join('\n\n'), 'utf8');

/**
 * What a password-protected Word file looks like from outside: an OLE compound file holding
 * an `EncryptedPackage` stream (the real encryption needs Office or msoffcrypto).
 */
export function encryptedLookingDocx(): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(header);
  return Buffer.concat([header, Buffer.from('EncryptedInfo', 'utf16le'), Buffer.alloc(32), Buffer.from('EncryptedPackage', 'utf16le'), Buffer.alloc(256, 7)]);
}
