/**
 * IEEE 754 half-precision (binary16) conversion for committed model weights and stranger sets,
 * rounding to nearest even. Values above 65504 become infinity. The cached LFW trunk activations
 * stay below 4 in magnitude.
 */

const float32View = new DataView(new ArrayBuffer(4));

/** Converts one float32 value to its binary16 bits. */
export function toFloat16Bits(value: number): number {
  float32View.setFloat32(0, value);
  const bits = float32View.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;

  // NaN and infinity keep their class.
  if (exponent === 0xff) {
    return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  }

  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) {
    return sign | 0x7c00;
  }
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit leading 1 into place.
    if (halfExponent < -10) {
      return sign;
    }
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    return sign | roundShift(full, shift);
  }
  // Normal half. Rounding may carry into the exponent, which still gives the right value.
  return sign | ((halfExponent << 10) + roundShift(mantissa, 13));
}

/** Converts binary16 bits to a float32 value. */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) {
    return sign * mantissa * 2 ** -24;
  }
  if (exponent === 0x1f) {
    return mantissa !== 0 ? NaN : sign * Infinity;
  }
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Little-endian binary16 bytes of `values`. */
export function encodeFloat16(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => view.setUint16(i * 2, toFloat16Bits(value), true));
  return out;
}

/** Float32 values of little-endian binary16 bytes. */
export function decodeFloat16(bytes: Uint8Array): Float32Array {
  if (bytes.length % 2 !== 0) {
    throw new Error(`float16 data must have an even number of bytes; got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = fromFloat16Bits(view.getUint16(i * 2, true));
  }
  return out;
}

/** Rounds `value >> shift` to nearest, ties to even. */
function roundShift(value: number, shift: number): number {
  const truncated = value >>> shift;
  const remainder = value & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (remainder > halfway || (remainder === halfway && (truncated & 1) === 1)) {
    return truncated + 1;
  }
  return truncated;
}
