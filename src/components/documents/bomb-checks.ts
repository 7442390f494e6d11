import { PermanentJobError } from '../../infra/queue/permanent-failure';

export interface ArchiveLimits {
  /** Total inflated size of every entry of a DOCX (its ZIP). */
  maxInflatedBytes: number;
  maxEntries: number;
  /** Pages a PDF may claim in its page tree. */
  maxPages: number;
}

/** Text XML compresses 5–20 times; an entry far beyond this is built to explode. */
const maxRatio = 100;
/** Small entries may compress very well (runs of spaces) without being dangerous. */
const ratioCheckedAboveBytes = 1024 * 1024;

const tooLarge = (what: string): PermanentJobError => new PermanentJobError('TOO_LARGE', `The document is too large to process: ${what}`);
const corrupt = (): PermanentJobError => new PermanentJobError('CORRUPT', 'The Word document is damaged or not a valid DOCX file');

/**
 * Reads a DOCX's ZIP central directory (no inflating) and refuses an archive whose entries
 * would inflate past the limits. What the directory claims can be a lie; the extraction's
 * memory and time limits catch that.
 */
export function checkZipDirectory(bytes: Buffer, limits: ArchiveLimits): void {
  const endOfDirectory = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endOfDirectory < 0 || endOfDirectory + 22 > bytes.length) throw corrupt();
  const entries = bytes.readUInt16LE(endOfDirectory + 10);
  const directoryOffset = bytes.readUInt32LE(endOfDirectory + 16);
  // 0xFFFF / 0xFFFFFFFF mean ZIP64: far beyond anything a reading text needs.
  if (entries === 0xffff || directoryOffset === 0xffffffff) throw tooLarge('a ZIP64 archive');
  if (entries > limits.maxEntries) throw tooLarge(`${entries} parts in the archive (limit ${limits.maxEntries})`);
  let offset = directoryOffset;
  let inflated = 0;
  for (let index = 0; index < entries; index++) {
    if (offset + 46 > bytes.length || bytes.readUInt32LE(offset) !== 0x02014b50) throw corrupt();
    const compressedSize = bytes.readUInt32LE(offset + 20);
    const size = bytes.readUInt32LE(offset + 24);
    if (size === 0xffffffff || compressedSize === 0xffffffff) throw tooLarge('a ZIP64 entry');
    inflated += size;
    if (inflated > limits.maxInflatedBytes) throw tooLarge(`over ${limits.maxInflatedBytes} bytes once decompressed`);
    if (size > ratioCheckedAboveBytes && size > Math.max(compressedSize, 1) * maxRatio) throw tooLarge('a part that decompresses over 100 times its size');
    offset += 46 + bytes.readUInt16LE(offset + 28) + bytes.readUInt16LE(offset + 30) + bytes.readUInt16LE(offset + 32);
  }
}

/**
 * Refuses a PDF whose page tree claims more pages than the limit (a tree whose nodes point
 * twice at one child claims 2^depth pages from a few KB). Only counts visible in the raw
 * file are seen; the extraction's limits catch the rest.
 */
export function checkPdfPageCount(bytes: Buffer, limits: ArchiveLimits): void {
  const text = bytes.toString('latin1');
  for (const match of text.matchAll(/\/Count\s+(\d{1,20})/g)) {
    const pages = Number(match[1]);
    if (pages > limits.maxPages) throw tooLarge(`it claims ${pages} pages (limit ${limits.maxPages})`);
  }
}
