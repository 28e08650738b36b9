/** Encodes float32 values as little-endian bytes, 4 per value, whatever the host's byte order. */
export function float32ToBytes(values: Float32Array): Buffer {
  const bytes = Buffer.alloc(values.length * 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < values.length; i++) {
    view.setFloat32(i * 4, values[i], true);
  }
  return bytes;
}

/**
 * Decodes little-endian float32 bytes. The view honours the Buffer's byteOffset: pg returns
 * slices of a shared pool, whose offset is often not a multiple of 4.
 */
export function bytesToFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) {
    throw new RangeError(`Float32 data must be a multiple of 4 bytes long, got ${bytes.byteLength}.`);
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < values.length; i++) {
    values[i] = view.getFloat32(i * 4, true);
  }
  return values;
}
