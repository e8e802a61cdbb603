/**
 * CRC-32 (ISO-HDLC, zlib's `crc32`), the checksum of the chunks in wandb's `.wandb` files. Not
 * CRC-32C: TFRecord files use that one (crc32c.ts); the two differ only in the polynomial.
 */

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 of `bytes`, continuing from `crc` (the CRC of what came before), as zlib's `crc32(data, crc)`.
 *
 * @example
 * crc32(new TextEncoder().encode('123456789')) // 0xcbf43926
 * crc32(tail, crc32(head)) === crc32(concat(head, tail))
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
