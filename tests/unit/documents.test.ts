import { detectDocumentType } from '../../src/components/documents/document-types';
import { countWords, splitIntoSections } from '../../src/components/documents/sections';
import { docxOf, encryptedLookingDocx, pdfOf, readingText, txtOf } from '../support/documents';

describe('document type detection by content', () => {
  it('recognises PDF, DOCX, an encrypted Word file and UTF-8 text whatever their names', async () => {
    expect(detectDocumentType(await pdfOf(readingText)).kind).toBe('pdf');
    expect(detectDocumentType(await docxOf(readingText)).kind).toBe('docx');
    expect(detectDocumentType(encryptedLookingDocx()).kind).toBe('docx');
    expect(detectDocumentType(txtOf(readingText)).kind).toBe('txt');
    expect(detectDocumentType(Buffer.from('Grüße, naïve café — “quotes”\n')).kind).toBe('txt');
  });

  it('keeps a multi-byte character cut at the 64 KiB sniffing boundary from looking binary', () => {
    const text = Buffer.from('é'.repeat(40_000));
    expect(detectDocumentType(text).kind).toBe('txt');
  });

  it.each([
    ['an executable', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])],
    ['a PNG', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')],
    ['a ZIP without a Word document', Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(40)])],
    ['an old .doc (OLE without encryption)', Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(100)])],
    ['Latin-1 text', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b])],
    ['text with NUL bytes', Buffer.from('abc\u0000def')],
  ])('refuses %s with a 415', (_name, bytes) => {
    expect(() => detectDocumentType(bytes)).toThrow(expect.objectContaining({ status: 415, code: 'UNSUPPORTED_FILE_TYPE' }) as Error);
  });
});

describe('sections', () => {
  it('keeps paragraphs whole and groups them to about the target size, in order', () => {
    const sections = splitIntoSections(readingText.join('\n\n'), 70);
    expect(sections.length).toBeGreaterThanOrEqual(2);
    expect(sections.map((section) => section.index)).toEqual(sections.map((_, index) => index));
    expect(sections.map((section) => section.text).join('\n\n')).toBe(readingText.join('\n\n'));
    for (const section of sections) expect(section.wordCount).toBe(countWords(section.text));
    expect(sections[0]!.title).toBe('Gardening is a popular hobby in many countries.…');
  });

  it('joins lines wrapped inside a paragraph and cuts an overlong paragraph at sentence ends', () => {
    const wrapped = splitIntoSections('One line\nwrapped here.\n\n\n\nNext   paragraph.', 400);
    expect(wrapped).toHaveLength(1);
    expect(wrapped[0]!.text).toBe('One line wrapped here.\n\nNext paragraph.');
    const long = splitIntoSections(Array.from({ length: 60 }, (_, i) => `Sentence number ${i} is here.`).join(' '), 50);
    expect(long.length).toBeGreaterThan(3);
    expect(long.every((section) => /\.$/.test(section.text))).toBe(true);
  });

  it('has no section for text without words', () => {
    expect(splitIntoSections(' \n\n \t ', 400)).toEqual([]);
    expect(countWords("Don't re-use well-known words, 42 times")).toBe(6);
  });
});
