import { crc32, deflateRawSync, deflateSync } from 'node:zlib';

/** A ZIP of the given entries, deflated, built by hand so the test controls every byte. */
export function zipOf(entries: Record<string, Buffer>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(entries)) {
    const compressed = deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, compressed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const contentTypes = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
);
const rels = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
);
const wordNs = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';

/** A DOCX whose word/document.xml is `body` inside the usual wrapper. */
export function docxWithBody(body: string | Buffer): Buffer {
  const xml = Buffer.concat([
    Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><w:document ${wordNs}><w:body>`),
    Buffer.from(body),
    Buffer.from('</w:body></w:document>'),
  ]);
  return zipOf({ '[Content_Types].xml': contentTypes, '_rels/.rels': rels, 'word/document.xml': xml });
}

/** word/document.xml inflates to about `megabytes` MB of paragraphs from a few hundred KB. */
export const docxInflationBomb = (megabytes = 100): Buffer =>
  docxWithBody(Buffer.from('<w:p><w:r><w:t>a</w:t></w:r></w:p>'.repeat(Math.ceil((megabytes * 1024 * 1024) / 34))));

/** One run of text, `megabytes` MB long, in one paragraph. */
export const docxHugeRun = (megabytes = 60): Buffer => docxWithBody(`<w:p><w:r><w:t>${'word '.repeat((megabytes * 1024 * 1024) / 5)}</w:t></w:r></w:p>`);

/** Elements nested `depth` deep: a parser that recurses runs out of stack. */
export const docxDeepNesting = (depth = 200_000): Buffer => docxWithBody(`${'<w:p><w:r>'.repeat(depth)}${'</w:r></w:p>'.repeat(depth)}`);

function pdfFrom(objects: string[], streams: Record<number, Buffer> = {}): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n')];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  objects.forEach((body, index) => {
    offsets.push(length);
    const stream = streams[index + 1];
    const chunk = stream
      ? Buffer.concat([Buffer.from(`${index + 1} 0 obj\n${body}\nstream\n`), stream, Buffer.from('\nendstream\nendobj\n')])
      : Buffer.from(`${index + 1} 0 obj\n${body}\nendobj\n`);
    parts.push(chunk);
    length += chunk.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`, ...offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`));
  return Buffer.concat(parts);
}

/** A page tree `depth` levels deep whose every node lists one child twice: 2^depth pages claimed. */
export function pdfPageTreeBomb(depth = 30): Buffer {
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>'];
  for (let level = 0; level < depth; level++) {
    const self = level + 2;
    objects.push(`<< /Type /Pages /Kids [${self + 1} 0 R ${self + 1} 0 R] /Count ${2 ** (depth - level)}${level > 0 ? ` /Parent ${self - 1} 0 R` : ''} >>`);
  }
  objects.push(`<< /Type /Page /Parent ${depth + 1} 0 R /MediaBox [0 0 612 792] >>`);
  return pdfFrom(objects);
}

/** One page whose content stream inflates to `megabytes` MB of text-showing operators. */
export function pdfFlateBomb(megabytes = 200): Buffer {
  const operator = Buffer.from('BT /F1 12 Tf 72 720 Td (a) Tj ET\n');
  const content = deflateSync(Buffer.alloc(megabytes * 1024 * 1024, operator));
  return pdfFrom(
    [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
      `<< /Length ${content.length} /Filter /FlateDecode >>`,
      '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ],
    { 4: content },
  );
}
