import sharp from 'sharp';
import { AppError } from '../../infra/errors/app-error';
import type { SniffedType } from '../../infra/http/single-file-upload';

/** Avatars are shown small; larger images are scaled down to this box. */
const maxSide = 1024;
/** Refuses decompression bombs: a tiny file claiming a gigantic canvas. */
const maxInputPixels = 40_000_000;

/**
 * Decodes the upload and encodes it again in its own format: what is stored and published
 * are pixels we produced, without the sender's metadata (EXIF, GPS, comments, anything
 * appended after the image). A file that does not decode as an image is refused.
 */
export async function reencodeAvatar(bytes: Buffer, type: SniffedType): Promise<Buffer> {
  try {
    // rotate() applies the EXIF orientation before the metadata is dropped; sharp keeps no
    // metadata unless asked to.
    const image = sharp(bytes, { limitInputPixels: maxInputPixels, failOn: 'error' })
      .rotate()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true });
    if (type.mime === 'image/png') return await image.png().toBuffer();
    if (type.mime === 'image/jpeg') return await image.jpeg({ quality: 85, mozjpeg: true }).toBuffer();
    return await image.webp({ quality: 85 }).toBuffer();
  } catch {
    throw new AppError('INVALID_IMAGE');
  }
}
