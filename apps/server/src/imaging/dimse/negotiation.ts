import { SopClass, TransferSyntax, storageSopClasses, transferSyntaxInfo, uidName } from '@axial/dicom';

/**
 * The association negotiation table of Axial's SCP (PS3.8 §9.3.2, PS3.7 Annex D): which abstract syntaxes
 * are accepted, in which role, and which transfer syntax is chosen among those proposed. The conformance
 * statement (docs/conformance-statement.md) is checked against this table by a unit test.
 */

export type ContextKind = 'verification' | 'storage' | 'query' | 'retrieve' | 'commitment';

export interface AcceptedAbstractSyntax {
  uid: string;
  name: string;
  kind: ContextKind;
  /** Roles Axial takes for this SOP class (SCP on incoming associations; SCU when it initiates). */
  roles: Array<'SCP' | 'SCU'>;
}

const { ImplicitVRLittleEndian: IMPLICIT, ExplicitVRLittleEndian: EXPLICIT, ExplicitVRBigEndian: EXPLICIT_BE, DeflatedExplicitVRLittleEndian: DEFLATED } = TransferSyntax;

/** Non-storage services: transfer syntaxes in order of preference (first proposed one in this list wins). */
export const COMMAND_TRANSFER_SYNTAXES: readonly string[] = [EXPLICIT, IMPLICIT];

/**
 * Storage: every compressed (encapsulated) or deflated syntax Axial knows is kept exactly as proposed (the archive
 * stores what the modality produced, no transcoding); otherwise Explicit VR LE, then Implicit VR LE, then the retired
 * Explicit VR Big Endian.
 */
export const STORAGE_COMPRESSED_TRANSFER_SYNTAXES: readonly string[] = [
  TransferSyntax.JPEGBaseline8Bit, TransferSyntax.JPEGExtended12Bit, TransferSyntax.JPEGLossless, TransferSyntax.JPEGLosslessSV1,
  TransferSyntax.JPEGLSLossless, TransferSyntax.JPEGLSNearLossless, TransferSyntax.JPEG2000Lossless, TransferSyntax.JPEG2000,
  TransferSyntax.JPEG2000MCLossless, TransferSyntax.JPEG2000MC, TransferSyntax.HTJ2KLossless, TransferSyntax.HTJ2KLosslessRPCL,
  TransferSyntax.HTJ2K, TransferSyntax.RLELossless, TransferSyntax.MPEG2MPML, TransferSyntax.MPEG2MPHL, TransferSyntax.MPEG4HP41,
  TransferSyntax.MPEG4HP41BD, TransferSyntax.MPEG4HP422D, TransferSyntax.MPEG4HP423D, TransferSyntax.MPEG4HP42STEREO,
  TransferSyntax.HEVCMP51, TransferSyntax.HEVCM10P51, TransferSyntax.JPEGXLLossless, TransferSyntax.JPEGXLJPEGRecompression,
  TransferSyntax.JPEGXL, TransferSyntax.EncapsulatedUncompressedExplicitVRLittleEndian, TransferSyntax.DeflatedImageFrameCompression,
  DEFLATED,
];
export const STORAGE_NATIVE_TRANSFER_SYNTAXES: readonly string[] = [EXPLICIT, IMPLICIT, EXPLICIT_BE];

function entry(uid: string, kind: ContextKind, roles: AcceptedAbstractSyntax['roles']): AcceptedAbstractSyntax {
  return { uid, kind, roles, name: uidName(uid) ?? uid };
}

/** Everything the SCP accepts, in the order of the conformance statement. */
export function acceptedAbstractSyntaxes(): AcceptedAbstractSyntax[] {
  return [
    entry(SopClass.Verification, 'verification', ['SCP', 'SCU']),
    entry(SopClass.PatientRootQueryRetrieveFind, 'query', ['SCP']),
    entry(SopClass.StudyRootQueryRetrieveFind, 'query', ['SCP', 'SCU']),
    entry(SopClass.PatientRootQueryRetrieveMove, 'retrieve', ['SCP']),
    entry(SopClass.StudyRootQueryRetrieveMove, 'retrieve', ['SCP', 'SCU']),
    entry(SopClass.PatientRootQueryRetrieveGet, 'retrieve', ['SCP']),
    entry(SopClass.StudyRootQueryRetrieveGet, 'retrieve', ['SCP']),
    entry(SopClass.StorageCommitmentPushModel, 'commitment', ['SCP']),
    ...storageSopClasses().map((uid) => entry(uid, 'storage', ['SCP', 'SCU'])),
  ];
}

const TABLE = new Map(acceptedAbstractSyntaxes().map((a) => [a.uid, a]));

export function abstractSyntax(uid: string): AcceptedAbstractSyntax | undefined {
  return TABLE.get(uid);
}

/** The transfer syntaxes Axial may accept for a kind of abstract syntax (for the conformance statement). */
export function acceptableTransferSyntaxes(kind: ContextKind): readonly string[] {
  return kind === 'storage' ? [...STORAGE_COMPRESSED_TRANSFER_SYNTAXES, ...STORAGE_NATIVE_TRANSFER_SYNTAXES] : COMMAND_TRANSFER_SYNTAXES;
}

export type NegotiationResult = { accept: true; transferSyntax: string } | { accept: false; reason: 'abstract-syntax' | 'transfer-syntax' };

/** Chooses the result of one proposed presentation context (PS3.8 §9.3.3.2). */
export function negotiate(abstractSyntaxUid: string, proposed: readonly string[]): NegotiationResult {
  const a = TABLE.get(abstractSyntaxUid);
  if (!a) return { accept: false, reason: 'abstract-syntax' };
  const offered = proposed.map((t) => t.replace(/\0/g, '').trim());
  if (a.kind === 'storage') {
    // Keep compressed as proposed: the first compressed syntax in the SCU's own order of preference.
    const compressed = offered.find((t) => STORAGE_COMPRESSED_TRANSFER_SYNTAXES.includes(t) && transferSyntaxInfo(t));
    if (compressed) return { accept: true, transferSyntax: compressed };
    const native = STORAGE_NATIVE_TRANSFER_SYNTAXES.find((t) => offered.includes(t));
    return native ? { accept: true, transferSyntax: native } : { accept: false, reason: 'transfer-syntax' };
  }
  const ts = COMMAND_TRANSFER_SYNTAXES.find((t) => offered.includes(t));
  return ts ? { accept: true, transferSyntax: ts } : { accept: false, reason: 'transfer-syntax' };
}
