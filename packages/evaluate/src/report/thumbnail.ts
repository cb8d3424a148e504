import sharp from 'sharp';

/**
 * An image file as a PNG data URI of at most `size`×`size` px (aspect kept). Small images
 * (32×32 datasets) are enlarged with nearest-neighbour so their pixels stay visible.
 * Undefined when the file cannot be read or decoded — the report then shows its path only.
 */
export async function thumbnailDataUri(path: string, size = 96): Promise<string | undefined> {
  try {
    const img = sharp(path, { failOn: 'none' });
    const meta = await img.metadata();
    const small = Math.max(meta.width ?? 0, meta.height ?? 0) < size;
    const png = await img
      .resize(size, size, { fit: 'inside', kernel: small ? 'nearest' : 'lanczos3', withoutEnlargement: false })
      .png()
      .toBuffer();
    return `data:image/png;base64,${png.toString('base64')}`;
  } catch {
    return undefined;
  }
}
