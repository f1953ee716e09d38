/**
 * Internal: re-encodes a dicom-parser data set in Explicit VR Little Endian (PS3.5 §A.2), from any of
 * Implicit VR LE, Explicit VR LE/BE (values byte-swapped per VR) or an inflated deflated data set.
 * Sequences and items are written with undefined length; group lengths and trailing padding are dropped.
 */
import { lookupTag } from '@axial/dicom';
import type { DataSet, Element } from 'dicom-parser';
import { PixelDataError } from './errors';
import { copyBytes } from './image';

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const SWAP: Record<string, number> = { US: 2, SS: 2, OW: 2, AT: 2, UL: 4, SL: 4, FL: 4, OL: 4, OF: 4, FD: 8, OD: 8, SV: 8, UV: 8, OV: 8 };
const MAX_DEPTH = 64;

export interface EncodeOptions {
  littleEndian: boolean;
  explicitVr: boolean;
  pixelRepresentation: number;
  /** Top-level replacements by tag ("7FE00010"): a new value, or null to drop the element. */
  overrides: Map<string, { vr: string; value: Uint8Array } | null>;
}

export function encodeExplicitLE(ds: DataSet, opts: EncodeOptions): Uint8Array {
  const chunks: Uint8Array[] = [];
  writeDataSet(ds, opts, chunks, 0, true);
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function writeDataSet(ds: DataSet, opts: EncodeOptions, out: Uint8Array[], depth: number, top: boolean): void {
  if (depth > MAX_DEPTH) throw new PixelDataError('LIMIT_EXCEEDED', 'Sequences nested too deeply');
  const entries: Array<{ tag: string; el?: Element; override?: { vr: string; value: Uint8Array } }> = [];
  for (const key of Object.keys(ds.elements)) {
    const tag = key.slice(1).toUpperCase();
    if (tag.startsWith('0002') || tag.endsWith('0000') || tag === 'FFFCFFFC' || tag.startsWith('FFFE')) continue;
    if (top && opts.overrides.has(tag)) continue;
    entries.push({ tag, el: ds.elements[key]! });
  }
  if (top) for (const [tag, o] of opts.overrides) if (o) entries.push({ tag, override: o });
  entries.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  for (const e of entries) {
    if (e.override) {
      out.push(header(e.tag, e.override.vr, padded(e.override.value, e.override.vr).length), padded(e.override.value, e.override.vr));
      continue;
    }
    const el = e.el!;
    const vr = vrOf(e.tag, el, opts);
    if (el.items) {
      out.push(header(e.tag, 'SQ', 0xffffffff));
      for (const item of el.items) {
        out.push(tagBytes(0xfffe, 0xe000, 0xffffffff));
        if (item.dataSet) writeDataSet(item.dataSet, opts, out, depth + 1, false);
        out.push(tagBytes(0xfffe, 0xe00d, 0));
      }
      out.push(tagBytes(0xfffe, 0xe0dd, 0));
      continue;
    }
    if (el.length === 0xffffffff || el.fragments) {
      // Encapsulated pixel data (only reachable without an override, i.e. inside nested icons): copy items verbatim.
      if (el.fragments) {
        out.push(header(e.tag, 'OB', 0xffffffff));
        const bot = el.basicOffsetTable ?? [];
        const botBytes = new Uint8Array(bot.length * 4);
        bot.forEach((v, i) => new DataView(botBytes.buffer).setUint32(i * 4, v, true));
        out.push(tagBytes(0xfffe, 0xe000, botBytes.length), botBytes);
        for (const f of el.fragments) out.push(tagBytes(0xfffe, 0xe000, f.length), copyBytes(ds.byteArray, f.position, f.position + f.length));
        out.push(tagBytes(0xfffe, 0xe0dd, 0));
      }
      continue;
    }
    if (el.dataOffset + el.length > ds.byteArray.length) throw new PixelDataError('TRUNCATED', `Element (${e.tag.slice(0, 4)},${e.tag.slice(4)}) extends past the end of the file`);
    let value = copyBytes(ds.byteArray, el.dataOffset, el.dataOffset + el.length);
    if (!opts.littleEndian) {
      const unit = SWAP[vr];
      if (unit) swap(value, unit);
    }
    value = padded(value, vr);
    const outVr = !LONG_VRS.has(vr) && value.length > 0xffff ? 'UN' : vr;
    out.push(header(e.tag, outVr, value.length), value);
  }
}

function vrOf(tag: string, el: Element, opts: EncodeOptions): string {
  if (opts.explicitVr && el.vr && /^[A-Z]{2}$/.test(el.vr)) return el.vr;
  const info = lookupTag(tag);
  if (!info || !info.keyword) return 'UN';
  if (info.vrs.includes('SS' as never) && info.vrs.includes('US' as never)) return opts.pixelRepresentation === 1 ? 'SS' : 'US';
  return info.vr;
}

function padded(v: Uint8Array, vr: string): Uint8Array {
  if (v.length % 2 === 0) return v;
  const out = new Uint8Array(v.length + 1);
  out.set(v);
  out[v.length] = vr === 'UI' || vr === 'OB' || vr === 'UN' || !/^(AE|AS|CS|DA|DS|DT|IS|LO|LT|PN|SH|ST|TM|UC|UR|UT)$/.test(vr) ? 0 : 0x20;
  return out;
}

function swap(b: Uint8Array, unit: number): void {
  const n = b.length - (b.length % unit);
  for (let i = 0; i < n; i += unit) for (let a = i, z = i + unit - 1; a < z; a++, z--) [b[a], b[z]] = [b[z]!, b[a]!];
}

function header(tag: string, vr: string, length: number): Uint8Array {
  const g = parseInt(tag.slice(0, 4), 16);
  const e = parseInt(tag.slice(4), 16);
  const long = LONG_VRS.has(vr);
  const h = new Uint8Array(long ? 12 : 8);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, g, true);
  dv.setUint16(2, e, true);
  h[4] = vr.charCodeAt(0);
  h[5] = vr.charCodeAt(1);
  if (long) dv.setUint32(8, length, true);
  else dv.setUint16(6, length, true);
  return h;
}

function tagBytes(g: number, e: number, length: number): Uint8Array {
  const h = new Uint8Array(8);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, g, true);
  dv.setUint16(2, e, true);
  dv.setUint32(4, length, true);
  return h;
}
