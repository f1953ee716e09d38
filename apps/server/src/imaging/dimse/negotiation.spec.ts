import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SopClass, TransferSyntax } from '@axial/dicom';
import { describe, expect, it } from 'vitest';
import { acceptedAbstractSyntaxes, COMMAND_TRANSFER_SYNTAXES, negotiate, STORAGE_COMPRESSED_TRANSFER_SYNTAXES, STORAGE_NATIVE_TRANSFER_SYNTAXES } from './negotiation';

const doc = readFileSync(join(__dirname, '../../../../../docs/conformance-statement.md'), 'utf8');

function section(title: string): string {
  const start = doc.indexOf(title);
  expect(start, title).toBeGreaterThanOrEqual(0);
  const rest = doc.slice(start + title.length);
  const next = rest.search(/\n#{2,3} /);
  return next < 0 ? rest : rest.slice(0, next);
}

function tableUids(text: string): string[] {
  return [...text.matchAll(/^\|[^|]*\| `([0-9.]+)` \|/gm)].map((m) => m[1]);
}

describe('conformance statement matches the negotiation table', () => {
  it('lists every SOP class with its roles', () => {
    const rows = [...section('## 2. SOP classes').matchAll(/^\| .* \| `([0-9.]+)` \| (\w+) \| ([A-Z, ]+) \|$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    expect(rows).toEqual(acceptedAbstractSyntaxes().map((a) => `${a.uid} ${a.kind} ${a.roles.join(', ')}`));
  });

  it('lists the transfer syntaxes in order of preference', () => {
    const storage = section('### 3.1 Storage SOP classes (SCP)');
    const [compressed, native] = storage.split('Otherwise, in this order of preference:');
    expect(tableUids(compressed)).toEqual([...STORAGE_COMPRESSED_TRANSFER_SYNTAXES]);
    expect(tableUids(native)).toEqual([...STORAGE_NATIVE_TRANSFER_SYNTAXES]);
    expect(tableUids(section('### 3.2 Verification, Query/Retrieve, Storage Commitment (SCP)'))).toEqual([...COMMAND_TRANSFER_SYNTAXES]);
  });
});

describe('negotiate', () => {
  it('keeps compressed as proposed, else Explicit VR LE, else Implicit', () => {
    expect(negotiate(SopClass.CTImageStorage, [TransferSyntax.ImplicitVRLittleEndian, TransferSyntax.JPEG2000Lossless])).toEqual({ accept: true, transferSyntax: TransferSyntax.JPEG2000Lossless });
    expect(negotiate(SopClass.CTImageStorage, [TransferSyntax.ImplicitVRLittleEndian, TransferSyntax.ExplicitVRLittleEndian])).toEqual({ accept: true, transferSyntax: TransferSyntax.ExplicitVRLittleEndian });
    expect(negotiate(SopClass.CTImageStorage, [TransferSyntax.ImplicitVRLittleEndian])).toEqual({ accept: true, transferSyntax: TransferSyntax.ImplicitVRLittleEndian });
    expect(negotiate(SopClass.StudyRootQueryRetrieveFind, [TransferSyntax.JPEGBaseline8Bit])).toEqual({ accept: false, reason: 'transfer-syntax' });
    expect(negotiate('1.2.3.4.5.6', [TransferSyntax.ImplicitVRLittleEndian])).toEqual({ accept: false, reason: 'abstract-syntax' });
  });
});
