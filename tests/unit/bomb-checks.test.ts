import { checkPdfPageCount, checkZipDirectory } from '../../src/components/documents/bomb-checks';
import { PermanentJobError } from '../../src/infra/queue/permanent-failure';

const limits = { maxInflatedBytes: 10 * 1024 * 1024, maxEntries: 5, maxPages: 100 };

/** A ZIP of only a central directory and its end record: what checkZipDirectory reads. */
function zipDirectory(entries: { compressed: number; size: number }[], options: { count?: number; signature?: number } = {}): Buffer {
  const headers = entries.map(({ compressed, size }) => {
    const header = Buffer.alloc(46 + 1);
    header.writeUInt32LE(options.signature ?? 0x02014b50, 0);
    header.writeUInt32LE(compressed, 20);
    header.writeUInt32LE(size, 24);
    header.writeUInt16LE(1, 28);
    header.write('x', 46);
    return header;
  });
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(options.count ?? entries.length, 10);
  end.writeUInt32LE(0, 16);
  return Buffer.concat([...headers, end]);
}

function failure(check: () => void): string {
  try {
    check();
  } catch (error) {
    if (error instanceof PermanentJobError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('decompression bomb checks', () => {
  it('accept an archive within every limit, small parts that compress very well included', () => {
    expect(
      failure(() =>
        checkZipDirectory(
          zipDirectory([
            { compressed: 1000, size: 8000 },
            { compressed: 1, size: 1024 * 1024 },
          ]),
          limits,
        ),
      ),
    ).toBe('accepted');
  });

  it('refuse too many parts, too much once inflated, a part inflating over 100 times, and ZIP64', () => {
    expect(failure(() => checkZipDirectory(zipDirectory(Array.from({ length: 6 }, () => ({ compressed: 10, size: 10 }))), limits))).toBe('TOO_LARGE');
    expect(
      failure(() =>
        checkZipDirectory(
          zipDirectory([
            { compressed: 5_000_000, size: 6_000_000 },
            { compressed: 5_000_000, size: 6_000_000 },
          ]),
          limits,
        ),
      ),
    ).toBe('TOO_LARGE');
    expect(failure(() => checkZipDirectory(zipDirectory([{ compressed: 20_000, size: 3_000_000 }]), limits))).toBe('TOO_LARGE');
    expect(failure(() => checkZipDirectory(zipDirectory([{ compressed: 10, size: 0xffffffff }]), limits))).toBe('TOO_LARGE');
    expect(failure(() => checkZipDirectory(zipDirectory([], { count: 0xffff }), limits))).toBe('TOO_LARGE');
  });

  it('call an archive without an end record or with a broken directory damaged', () => {
    expect(failure(() => checkZipDirectory(Buffer.from('not a zip at all'), limits))).toBe('CORRUPT');
    expect(failure(() => checkZipDirectory(zipDirectory([{ compressed: 10, size: 10 }], { signature: 0x12345678 }), limits))).toBe('CORRUPT');
    expect(failure(() => checkZipDirectory(zipDirectory([{ compressed: 10, size: 10 }], { count: 3 }), limits))).toBe('CORRUPT');
  });

  it('refuse a PDF whose page tree claims more pages than the limit, wherever the claim is', () => {
    expect(failure(() => checkPdfPageCount(Buffer.from('<< /Type /Pages /Count 100 >>', 'latin1'), limits))).toBe('accepted');
    expect(failure(() => checkPdfPageCount(Buffer.from('<< /Count 3 >> << /Count  101 >>', 'latin1'), limits))).toBe('TOO_LARGE');
    expect(failure(() => checkPdfPageCount(Buffer.from(`<< /Count ${'9'.repeat(20)} >>`, 'latin1'), limits))).toBe('TOO_LARGE');
  });
});
