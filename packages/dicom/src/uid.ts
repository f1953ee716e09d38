/**
 * UIDs: validation (PS3.5 §9.1), generation (PS3.5 §B.2, "2.25." + UUID as an integer), and
 * well-known transfer syntax / SOP class UIDs (PS3.6 Annex A, Table A-1).
 */
import { randomUUID } from 'node:crypto';

/** One UID component: "0" or digits without a leading zero (PS3.5 §9.1). */
const UID_RE = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$/;

/**
 * PS3.5 §9.1: at most 64 characters, only digits and ".", components separated by ".", no
 * leading zero in a component (except a component that is exactly "0"), at least two components,
 * no empty components. Trailing NUL padding must have been removed by the caller.
 */
export function isValidUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 64 && UID_RE.test(uid);
}

/** Explains why a UID is invalid, or returns undefined if it is valid. */
export function uidProblem(uid: string): string | undefined {
  if (uid.length === 0) return 'UID is empty';
  if (uid.length > 64) return `UID is ${uid.length} characters long (maximum 64, PS3.5 §9.1)`;
  if (!/^[0-9.]+$/.test(uid)) return 'UID may contain only digits and "." (PS3.5 §9.1)';
  const parts = uid.split('.');
  if (parts.length < 2) return 'UID must have at least two components';
  if (parts.some((p) => p === '')) return 'UID has an empty component';
  if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return 'UID component has a leading zero (PS3.5 §9.1)';
  return undefined;
}

/**
 * Generates a new UID. Without a root: "2.25." followed by a random (version 4) UUID written as an
 * unsigned decimal integer (PS3.5 §B.2; ISO/IEC 9834-8). With a root (an organisation's registered
 * UID prefix): root + "." + as many random decimal digits as fit in 64 characters (at most 39).
 */
export function generateUid(root?: string): string {
  const uuid = randomUUID().replace(/-/g, '');
  const n = BigInt('0x' + uuid).toString(10);
  if (root === undefined || root === '2.25') return `2.25.${n}`;
  const r = root.replace(/\.$/, '');
  if (!isValidUid(r) && !/^[1-9][0-9]*$/.test(r)) throw new Error(`Invalid UID root "${root}": ${uidProblem(r)}`);
  const room = 64 - r.length - 1;
  if (room < 8) throw new Error(`UID root "${root}" is too long to leave room for a unique suffix`);
  // Leading zeros are impossible (BigInt decimal), and truncating keeps the first (non-zero) digit.
  return `${r}.${n.slice(0, Math.min(room, n.length))}`;
}

export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  /** Data set encoding. */
  explicitVr: boolean;
  bigEndian: boolean;
  /** Whole data set deflated (PS3.5 §A.5). */
  deflated: boolean;
  /** Pixel data in encapsulated format (PS3.5 §A.4). */
  encapsulated: boolean;
  /** Pixel data compression may be lossy (irreversible). */
  lossy: boolean;
  retired: boolean;
  /**
   * DICOMweb media type of a frame / bulk pixel data in this TS (PS3.18 §8.7.3, Tables 8.7.3-2/-3);
   * undefined for native (uncompressed) syntaxes, which use application/octet-stream.
   */
  mediaType?: string;
}

function ts(
  uid: string,
  name: string,
  o: Partial<Omit<TransferSyntaxInfo, 'uid' | 'name'>> = {},
): TransferSyntaxInfo {
  return {
    uid,
    name,
    explicitVr: o.explicitVr ?? true,
    bigEndian: o.bigEndian ?? false,
    deflated: o.deflated ?? false,
    encapsulated: o.encapsulated ?? true,
    lossy: o.lossy ?? false,
    retired: o.retired ?? false,
    ...(o.mediaType ? { mediaType: o.mediaType } : {}),
  };
}

export const TransferSyntax = {
  ImplicitVRLittleEndian: '1.2.840.10008.1.2',
  ExplicitVRLittleEndian: '1.2.840.10008.1.2.1',
  EncapsulatedUncompressedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.98',
  DeflatedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.99',
  ExplicitVRBigEndian: '1.2.840.10008.1.2.2',
  JPEGBaseline8Bit: '1.2.840.10008.1.2.4.50',
  JPEGExtended12Bit: '1.2.840.10008.1.2.4.51',
  JPEGLossless: '1.2.840.10008.1.2.4.57',
  JPEGLosslessSV1: '1.2.840.10008.1.2.4.70',
  JPEGLSLossless: '1.2.840.10008.1.2.4.80',
  JPEGLSNearLossless: '1.2.840.10008.1.2.4.81',
  JPEG2000Lossless: '1.2.840.10008.1.2.4.90',
  JPEG2000: '1.2.840.10008.1.2.4.91',
  JPEG2000MCLossless: '1.2.840.10008.1.2.4.92',
  JPEG2000MC: '1.2.840.10008.1.2.4.93',
  MPEG2MPML: '1.2.840.10008.1.2.4.100',
  MPEG2MPHL: '1.2.840.10008.1.2.4.101',
  MPEG4HP41: '1.2.840.10008.1.2.4.102',
  MPEG4HP41BD: '1.2.840.10008.1.2.4.103',
  MPEG4HP422D: '1.2.840.10008.1.2.4.104',
  MPEG4HP423D: '1.2.840.10008.1.2.4.105',
  MPEG4HP42STEREO: '1.2.840.10008.1.2.4.106',
  HEVCMP51: '1.2.840.10008.1.2.4.107',
  HEVCM10P51: '1.2.840.10008.1.2.4.108',
  JPEGXLLossless: '1.2.840.10008.1.2.4.110',
  JPEGXLJPEGRecompression: '1.2.840.10008.1.2.4.111',
  JPEGXL: '1.2.840.10008.1.2.4.112',
  HTJ2KLossless: '1.2.840.10008.1.2.4.201',
  HTJ2KLosslessRPCL: '1.2.840.10008.1.2.4.202',
  HTJ2K: '1.2.840.10008.1.2.4.203',
  RLELossless: '1.2.840.10008.1.2.5',
  DeflatedImageFrameCompression: '1.2.840.10008.1.2.8.1',
} as const;

const TS_LIST: TransferSyntaxInfo[] = [
  ts(TransferSyntax.ImplicitVRLittleEndian, 'Implicit VR Little Endian', { explicitVr: false, encapsulated: false }),
  ts(TransferSyntax.ExplicitVRLittleEndian, 'Explicit VR Little Endian', { encapsulated: false }),
  ts(TransferSyntax.EncapsulatedUncompressedExplicitVRLittleEndian, 'Encapsulated Uncompressed Explicit VR Little Endian'),
  ts(TransferSyntax.DeflatedExplicitVRLittleEndian, 'Deflated Explicit VR Little Endian', { deflated: true, encapsulated: false }),
  ts(TransferSyntax.ExplicitVRBigEndian, 'Explicit VR Big Endian', { bigEndian: true, encapsulated: false, retired: true }),
  ts(TransferSyntax.JPEGBaseline8Bit, 'JPEG Baseline (Process 1)', { lossy: true, mediaType: 'image/jpeg' }),
  ts(TransferSyntax.JPEGExtended12Bit, 'JPEG Extended (Process 2 & 4)', { lossy: true, mediaType: 'image/jpeg' }),
  ts(TransferSyntax.JPEGLossless, 'JPEG Lossless, Non-Hierarchical (Process 14)', { mediaType: 'image/jpeg' }),
  ts(TransferSyntax.JPEGLosslessSV1, 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])', { mediaType: 'image/jpeg' }),
  ts(TransferSyntax.JPEGLSLossless, 'JPEG-LS Lossless Image Compression', { mediaType: 'image/jls' }),
  ts(TransferSyntax.JPEGLSNearLossless, 'JPEG-LS Lossy (Near-Lossless) Image Compression', { lossy: true, mediaType: 'image/jls' }),
  ts(TransferSyntax.JPEG2000Lossless, 'JPEG 2000 Image Compression (Lossless Only)', { mediaType: 'image/jp2' }),
  ts(TransferSyntax.JPEG2000, 'JPEG 2000 Image Compression', { lossy: true, mediaType: 'image/jp2' }),
  ts(TransferSyntax.JPEG2000MCLossless, 'JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)', { mediaType: 'image/jpx' }),
  ts(TransferSyntax.JPEG2000MC, 'JPEG 2000 Part 2 Multi-component Image Compression', { lossy: true, mediaType: 'image/jpx' }),
  ts(TransferSyntax.MPEG2MPML, 'MPEG2 Main Profile / Main Level', { lossy: true, mediaType: 'video/mpeg' }),
  ts(TransferSyntax.MPEG2MPHL, 'MPEG2 Main Profile / High Level', { lossy: true, mediaType: 'video/mpeg' }),
  ts(TransferSyntax.MPEG4HP41, 'MPEG-4 AVC/H.264 High Profile / Level 4.1', { lossy: true, mediaType: 'video/mp4' }),
  ts(TransferSyntax.MPEG4HP41BD, 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1', { lossy: true, mediaType: 'video/mp4' }),
  ts(TransferSyntax.MPEG4HP422D, 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video', { lossy: true, mediaType: 'video/mp4' }),
  ts(TransferSyntax.MPEG4HP423D, 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video', { lossy: true, mediaType: 'video/mp4' }),
  ts(TransferSyntax.MPEG4HP42STEREO, 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', { lossy: true, mediaType: 'video/mp4' }),
  ts(TransferSyntax.HEVCMP51, 'HEVC/H.265 Main Profile / Level 5.1', { lossy: true, mediaType: 'video/mp4' }),
  ts(TransferSyntax.HEVCM10P51, 'HEVC/H.265 Main 10 Profile / Level 5.1', { lossy: true, mediaType: 'video/mp4' }),
  ts(TransferSyntax.JPEGXLLossless, 'JPEG XL Lossless', { mediaType: 'image/jxl' }),
  ts(TransferSyntax.JPEGXLJPEGRecompression, 'JPEG XL JPEG Recompression', { mediaType: 'image/jxl' }),
  ts(TransferSyntax.JPEGXL, 'JPEG XL', { lossy: true, mediaType: 'image/jxl' }),
  ts(TransferSyntax.HTJ2KLossless, 'High-Throughput JPEG 2000 Image Compression (Lossless Only)', { mediaType: 'image/jphc' }),
  ts(TransferSyntax.HTJ2KLosslessRPCL, 'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)', { mediaType: 'image/jphc' }),
  ts(TransferSyntax.HTJ2K, 'High-Throughput JPEG 2000 Image Compression', { lossy: true, mediaType: 'image/jphc' }),
  ts(TransferSyntax.RLELossless, 'RLE Lossless', { mediaType: 'image/dicom-rle' }),
  // Frames are individually deflated (no DICOMweb image media type is registered for it).
  ts(TransferSyntax.DeflatedImageFrameCompression, 'Deflated Image Frame Compression'),
];

const TS_BY_UID = new Map(TS_LIST.map((t) => [t.uid, t]));

/** Looks up a transfer syntax; undefined if it is not in the table above. */
export function transferSyntaxInfo(uid: string): TransferSyntaxInfo | undefined {
  return TS_BY_UID.get(uid);
}

export function allTransferSyntaxes(): readonly TransferSyntaxInfo[] {
  return TS_LIST;
}

/** DICOMweb media type for a TS's pixel data, e.g. "image/jls"; application/octet-stream for native syntaxes. */
export function mediaTypeForTransferSyntax(uid: string): string {
  return TS_BY_UID.get(uid)?.mediaType ?? 'application/octet-stream';
}

/** Transfer syntaxes that may be used for a given media type (reverse of the above). */
export function transferSyntaxesForMediaType(mediaType: string): string[] {
  const mt = mediaType.toLowerCase().trim();
  return TS_LIST.filter((t) => t.mediaType === mt).map((t) => t.uid);
}

export const SopClass = {
  Verification: '1.2.840.10008.1.1',
  MediaStorageDirectoryStorage: '1.2.840.10008.1.3.10',
  StorageCommitmentPushModel: '1.2.840.10008.1.20.1',
  ModalityPerformedProcedureStep: '1.2.840.10008.3.1.2.3.3',
  PatientRootQueryRetrieveFind: '1.2.840.10008.5.1.4.1.2.1.1',
  PatientRootQueryRetrieveMove: '1.2.840.10008.5.1.4.1.2.1.2',
  PatientRootQueryRetrieveGet: '1.2.840.10008.5.1.4.1.2.1.3',
  StudyRootQueryRetrieveFind: '1.2.840.10008.5.1.4.1.2.2.1',
  StudyRootQueryRetrieveMove: '1.2.840.10008.5.1.4.1.2.2.2',
  StudyRootQueryRetrieveGet: '1.2.840.10008.5.1.4.1.2.2.3',
  ModalityWorklistFind: '1.2.840.10008.5.1.4.31',

  ComputedRadiographyImageStorage: '1.2.840.10008.5.1.4.1.1.1',
  DigitalXRayImageStorageForPresentation: '1.2.840.10008.5.1.4.1.1.1.1',
  DigitalXRayImageStorageForProcessing: '1.2.840.10008.5.1.4.1.1.1.1.1',
  DigitalMammographyXRayImageStorageForPresentation: '1.2.840.10008.5.1.4.1.1.1.2',
  DigitalMammographyXRayImageStorageForProcessing: '1.2.840.10008.5.1.4.1.1.1.2.1',
  DigitalIntraOralXRayImageStorageForPresentation: '1.2.840.10008.5.1.4.1.1.1.3',
  DigitalIntraOralXRayImageStorageForProcessing: '1.2.840.10008.5.1.4.1.1.1.3.1',
  CTImageStorage: '1.2.840.10008.5.1.4.1.1.2',
  EnhancedCTImageStorage: '1.2.840.10008.5.1.4.1.1.2.1',
  LegacyConvertedEnhancedCTImageStorage: '1.2.840.10008.5.1.4.1.1.2.2',
  UltrasoundMultiFrameImageStorage: '1.2.840.10008.5.1.4.1.1.3.1',
  MRImageStorage: '1.2.840.10008.5.1.4.1.1.4',
  EnhancedMRImageStorage: '1.2.840.10008.5.1.4.1.1.4.1',
  MRSpectroscopyStorage: '1.2.840.10008.5.1.4.1.1.4.2',
  EnhancedMRColorImageStorage: '1.2.840.10008.5.1.4.1.1.4.3',
  LegacyConvertedEnhancedMRImageStorage: '1.2.840.10008.5.1.4.1.1.4.4',
  UltrasoundImageStorage: '1.2.840.10008.5.1.4.1.1.6.1',
  EnhancedUSVolumeStorage: '1.2.840.10008.5.1.4.1.1.6.2',
  SecondaryCaptureImageStorage: '1.2.840.10008.5.1.4.1.1.7',
  MultiFrameSingleBitSecondaryCaptureImageStorage: '1.2.840.10008.5.1.4.1.1.7.1',
  MultiFrameGrayscaleByteSecondaryCaptureImageStorage: '1.2.840.10008.5.1.4.1.1.7.2',
  MultiFrameGrayscaleWordSecondaryCaptureImageStorage: '1.2.840.10008.5.1.4.1.1.7.3',
  MultiFrameTrueColorSecondaryCaptureImageStorage: '1.2.840.10008.5.1.4.1.1.7.4',
  TwelveLeadECGWaveformStorage: '1.2.840.10008.5.1.4.1.1.9.1.1',
  GeneralECGWaveformStorage: '1.2.840.10008.5.1.4.1.1.9.1.2',
  AmbulatoryECGWaveformStorage: '1.2.840.10008.5.1.4.1.1.9.1.3',
  HemodynamicWaveformStorage: '1.2.840.10008.5.1.4.1.1.9.2.1',
  BasicVoiceAudioWaveformStorage: '1.2.840.10008.5.1.4.1.1.9.4.1',
  GrayscaleSoftcopyPresentationStateStorage: '1.2.840.10008.5.1.4.1.1.11.1',
  ColorSoftcopyPresentationStateStorage: '1.2.840.10008.5.1.4.1.1.11.2',
  PseudoColorSoftcopyPresentationStateStorage: '1.2.840.10008.5.1.4.1.1.11.3',
  BlendingSoftcopyPresentationStateStorage: '1.2.840.10008.5.1.4.1.1.11.4',
  XRayAngiographicImageStorage: '1.2.840.10008.5.1.4.1.1.12.1',
  EnhancedXAImageStorage: '1.2.840.10008.5.1.4.1.1.12.1.1',
  XRayRadiofluoroscopicImageStorage: '1.2.840.10008.5.1.4.1.1.12.2',
  EnhancedXRFImageStorage: '1.2.840.10008.5.1.4.1.1.12.2.1',
  XRay3DAngiographicImageStorage: '1.2.840.10008.5.1.4.1.1.13.1.1',
  BreastTomosynthesisImageStorage: '1.2.840.10008.5.1.4.1.1.13.1.3',
  NuclearMedicineImageStorage: '1.2.840.10008.5.1.4.1.1.20',
  ParametricMapStorage: '1.2.840.10008.5.1.4.1.1.30',
  RawDataStorage: '1.2.840.10008.5.1.4.1.1.66',
  SpatialRegistrationStorage: '1.2.840.10008.5.1.4.1.1.66.1',
  SpatialFiducialsStorage: '1.2.840.10008.5.1.4.1.1.66.2',
  DeformableSpatialRegistrationStorage: '1.2.840.10008.5.1.4.1.1.66.3',
  SegmentationStorage: '1.2.840.10008.5.1.4.1.1.66.4',
  SurfaceSegmentationStorage: '1.2.840.10008.5.1.4.1.1.66.5',
  RealWorldValueMappingStorage: '1.2.840.10008.5.1.4.1.1.67',
  VLEndoscopicImageStorage: '1.2.840.10008.5.1.4.1.1.77.1.1',
  VLMicroscopicImageStorage: '1.2.840.10008.5.1.4.1.1.77.1.2',
  VLPhotographicImageStorage: '1.2.840.10008.5.1.4.1.1.77.1.4',
  VLWholeSlideMicroscopyImageStorage: '1.2.840.10008.5.1.4.1.1.77.1.6',
  OphthalmicPhotography8BitImageStorage: '1.2.840.10008.5.1.4.1.1.77.1.5.1',
  OphthalmicTomographyImageStorage: '1.2.840.10008.5.1.4.1.1.77.1.5.4',
  BasicTextSRStorage: '1.2.840.10008.5.1.4.1.1.88.11',
  EnhancedSRStorage: '1.2.840.10008.5.1.4.1.1.88.22',
  ComprehensiveSRStorage: '1.2.840.10008.5.1.4.1.1.88.33',
  Comprehensive3DSRStorage: '1.2.840.10008.5.1.4.1.1.88.34',
  ExtensibleSRStorage: '1.2.840.10008.5.1.4.1.1.88.35',
  ProcedureLogStorage: '1.2.840.10008.5.1.4.1.1.88.40',
  MammographyCADSRStorage: '1.2.840.10008.5.1.4.1.1.88.50',
  KeyObjectSelectionDocumentStorage: '1.2.840.10008.5.1.4.1.1.88.59',
  ChestCADSRStorage: '1.2.840.10008.5.1.4.1.1.88.65',
  XRayRadiationDoseSRStorage: '1.2.840.10008.5.1.4.1.1.88.67',
  RadiopharmaceuticalRadiationDoseSRStorage: '1.2.840.10008.5.1.4.1.1.88.68',
  ColonCADSRStorage: '1.2.840.10008.5.1.4.1.1.88.69',
  AcquisitionContextSRStorage: '1.2.840.10008.5.1.4.1.1.88.71',
  SimplifiedAdultEchoSRStorage: '1.2.840.10008.5.1.4.1.1.88.72',
  PatientRadiationDoseSRStorage: '1.2.840.10008.5.1.4.1.1.88.73',
  EnhancedXRayRadiationDoseSRStorage: '1.2.840.10008.5.1.4.1.1.88.76',
  EncapsulatedPDFStorage: '1.2.840.10008.5.1.4.1.1.104.1',
  EncapsulatedCDAStorage: '1.2.840.10008.5.1.4.1.1.104.2',
  EncapsulatedSTLStorage: '1.2.840.10008.5.1.4.1.1.104.3',
  EncapsulatedOBJStorage: '1.2.840.10008.5.1.4.1.1.104.4',
  EncapsulatedMTLStorage: '1.2.840.10008.5.1.4.1.1.104.5',
  PositronEmissionTomographyImageStorage: '1.2.840.10008.5.1.4.1.1.128',
  LegacyConvertedEnhancedPETImageStorage: '1.2.840.10008.5.1.4.1.1.128.1',
  EnhancedPETImageStorage: '1.2.840.10008.5.1.4.1.1.130',
  RTImageStorage: '1.2.840.10008.5.1.4.1.1.481.1',
  RTDoseStorage: '1.2.840.10008.5.1.4.1.1.481.2',
  RTStructureSetStorage: '1.2.840.10008.5.1.4.1.1.481.3',
  RTBeamsTreatmentRecordStorage: '1.2.840.10008.5.1.4.1.1.481.4',
  RTPlanStorage: '1.2.840.10008.5.1.4.1.1.481.5',
  RTBrachyTreatmentRecordStorage: '1.2.840.10008.5.1.4.1.1.481.6',
  RTTreatmentSummaryRecordStorage: '1.2.840.10008.5.1.4.1.1.481.7',
  RTIonPlanStorage: '1.2.840.10008.5.1.4.1.1.481.8',
  RTIonBeamsTreatmentRecordStorage: '1.2.840.10008.5.1.4.1.1.481.9',
} as const;

/** Human-readable names (PS3.6 Table A-1 "UID Name"). */
const SOP_NAMES: Record<string, string> = {
  [SopClass.Verification]: 'Verification SOP Class',
  [SopClass.MediaStorageDirectoryStorage]: 'Media Storage Directory Storage',
  [SopClass.StorageCommitmentPushModel]: 'Storage Commitment Push Model SOP Class',
  [SopClass.ModalityPerformedProcedureStep]: 'Modality Performed Procedure Step SOP Class',
  [SopClass.PatientRootQueryRetrieveFind]: 'Patient Root Query/Retrieve Information Model - FIND',
  [SopClass.PatientRootQueryRetrieveMove]: 'Patient Root Query/Retrieve Information Model - MOVE',
  [SopClass.PatientRootQueryRetrieveGet]: 'Patient Root Query/Retrieve Information Model - GET',
  [SopClass.StudyRootQueryRetrieveFind]: 'Study Root Query/Retrieve Information Model - FIND',
  [SopClass.StudyRootQueryRetrieveMove]: 'Study Root Query/Retrieve Information Model - MOVE',
  [SopClass.StudyRootQueryRetrieveGet]: 'Study Root Query/Retrieve Information Model - GET',
  [SopClass.ModalityWorklistFind]: 'Modality Worklist Information Model - FIND',
  [SopClass.ComputedRadiographyImageStorage]: 'Computed Radiography Image Storage',
  [SopClass.DigitalXRayImageStorageForPresentation]: 'Digital X-Ray Image Storage - For Presentation',
  [SopClass.DigitalXRayImageStorageForProcessing]: 'Digital X-Ray Image Storage - For Processing',
  [SopClass.DigitalMammographyXRayImageStorageForPresentation]: 'Digital Mammography X-Ray Image Storage - For Presentation',
  [SopClass.DigitalMammographyXRayImageStorageForProcessing]: 'Digital Mammography X-Ray Image Storage - For Processing',
  [SopClass.DigitalIntraOralXRayImageStorageForPresentation]: 'Digital Intra-Oral X-Ray Image Storage - For Presentation',
  [SopClass.DigitalIntraOralXRayImageStorageForProcessing]: 'Digital Intra-Oral X-Ray Image Storage - For Processing',
  [SopClass.CTImageStorage]: 'CT Image Storage',
  [SopClass.EnhancedCTImageStorage]: 'Enhanced CT Image Storage',
  [SopClass.LegacyConvertedEnhancedCTImageStorage]: 'Legacy Converted Enhanced CT Image Storage',
  [SopClass.UltrasoundMultiFrameImageStorage]: 'Ultrasound Multi-frame Image Storage',
  [SopClass.MRImageStorage]: 'MR Image Storage',
  [SopClass.EnhancedMRImageStorage]: 'Enhanced MR Image Storage',
  [SopClass.MRSpectroscopyStorage]: 'MR Spectroscopy Storage',
  [SopClass.EnhancedMRColorImageStorage]: 'Enhanced MR Color Image Storage',
  [SopClass.LegacyConvertedEnhancedMRImageStorage]: 'Legacy Converted Enhanced MR Image Storage',
  [SopClass.UltrasoundImageStorage]: 'Ultrasound Image Storage',
  [SopClass.EnhancedUSVolumeStorage]: 'Enhanced US Volume Storage',
  [SopClass.SecondaryCaptureImageStorage]: 'Secondary Capture Image Storage',
  [SopClass.MultiFrameSingleBitSecondaryCaptureImageStorage]: 'Multi-frame Single Bit Secondary Capture Image Storage',
  [SopClass.MultiFrameGrayscaleByteSecondaryCaptureImageStorage]: 'Multi-frame Grayscale Byte Secondary Capture Image Storage',
  [SopClass.MultiFrameGrayscaleWordSecondaryCaptureImageStorage]: 'Multi-frame Grayscale Word Secondary Capture Image Storage',
  [SopClass.MultiFrameTrueColorSecondaryCaptureImageStorage]: 'Multi-frame True Color Secondary Capture Image Storage',
  [SopClass.TwelveLeadECGWaveformStorage]: '12-lead ECG Waveform Storage',
  [SopClass.GeneralECGWaveformStorage]: 'General ECG Waveform Storage',
  [SopClass.AmbulatoryECGWaveformStorage]: 'Ambulatory ECG Waveform Storage',
  [SopClass.HemodynamicWaveformStorage]: 'Hemodynamic Waveform Storage',
  [SopClass.BasicVoiceAudioWaveformStorage]: 'Basic Voice Audio Waveform Storage',
  [SopClass.GrayscaleSoftcopyPresentationStateStorage]: 'Grayscale Softcopy Presentation State Storage',
  [SopClass.ColorSoftcopyPresentationStateStorage]: 'Color Softcopy Presentation State Storage',
  [SopClass.PseudoColorSoftcopyPresentationStateStorage]: 'Pseudo-Color Softcopy Presentation State Storage',
  [SopClass.BlendingSoftcopyPresentationStateStorage]: 'Blending Softcopy Presentation State Storage',
  [SopClass.XRayAngiographicImageStorage]: 'X-Ray Angiographic Image Storage',
  [SopClass.EnhancedXAImageStorage]: 'Enhanced XA Image Storage',
  [SopClass.XRayRadiofluoroscopicImageStorage]: 'X-Ray Radiofluoroscopic Image Storage',
  [SopClass.EnhancedXRFImageStorage]: 'Enhanced XRF Image Storage',
  [SopClass.XRay3DAngiographicImageStorage]: 'X-Ray 3D Angiographic Image Storage',
  [SopClass.BreastTomosynthesisImageStorage]: 'Breast Tomosynthesis Image Storage',
  [SopClass.NuclearMedicineImageStorage]: 'Nuclear Medicine Image Storage',
  [SopClass.ParametricMapStorage]: 'Parametric Map Storage',
  [SopClass.RawDataStorage]: 'Raw Data Storage',
  [SopClass.SpatialRegistrationStorage]: 'Spatial Registration Storage',
  [SopClass.SpatialFiducialsStorage]: 'Spatial Fiducials Storage',
  [SopClass.DeformableSpatialRegistrationStorage]: 'Deformable Spatial Registration Storage',
  [SopClass.SegmentationStorage]: 'Segmentation Storage',
  [SopClass.SurfaceSegmentationStorage]: 'Surface Segmentation Storage',
  [SopClass.RealWorldValueMappingStorage]: 'Real World Value Mapping Storage',
  [SopClass.VLEndoscopicImageStorage]: 'VL Endoscopic Image Storage',
  [SopClass.VLMicroscopicImageStorage]: 'VL Microscopic Image Storage',
  [SopClass.VLPhotographicImageStorage]: 'VL Photographic Image Storage',
  [SopClass.VLWholeSlideMicroscopyImageStorage]: 'VL Whole Slide Microscopy Image Storage',
  [SopClass.OphthalmicPhotography8BitImageStorage]: 'Ophthalmic Photography 8 Bit Image Storage',
  [SopClass.OphthalmicTomographyImageStorage]: 'Ophthalmic Tomography Image Storage',
  [SopClass.BasicTextSRStorage]: 'Basic Text SR Storage',
  [SopClass.EnhancedSRStorage]: 'Enhanced SR Storage',
  [SopClass.ComprehensiveSRStorage]: 'Comprehensive SR Storage',
  [SopClass.Comprehensive3DSRStorage]: 'Comprehensive 3D SR Storage',
  [SopClass.ExtensibleSRStorage]: 'Extensible SR Storage',
  [SopClass.ProcedureLogStorage]: 'Procedure Log Storage',
  [SopClass.MammographyCADSRStorage]: 'Mammography CAD SR Storage',
  [SopClass.KeyObjectSelectionDocumentStorage]: 'Key Object Selection Document Storage',
  [SopClass.ChestCADSRStorage]: 'Chest CAD SR Storage',
  [SopClass.XRayRadiationDoseSRStorage]: 'X-Ray Radiation Dose SR Storage',
  [SopClass.RadiopharmaceuticalRadiationDoseSRStorage]: 'Radiopharmaceutical Radiation Dose SR Storage',
  [SopClass.ColonCADSRStorage]: 'Colon CAD SR Storage',
  [SopClass.AcquisitionContextSRStorage]: 'Acquisition Context SR Storage',
  [SopClass.SimplifiedAdultEchoSRStorage]: 'Simplified Adult Echo SR Storage',
  [SopClass.PatientRadiationDoseSRStorage]: 'Patient Radiation Dose SR Storage',
  [SopClass.EnhancedXRayRadiationDoseSRStorage]: 'Enhanced X-Ray Radiation Dose SR Storage',
  [SopClass.EncapsulatedPDFStorage]: 'Encapsulated PDF Storage',
  [SopClass.EncapsulatedCDAStorage]: 'Encapsulated CDA Storage',
  [SopClass.EncapsulatedSTLStorage]: 'Encapsulated STL Storage',
  [SopClass.EncapsulatedOBJStorage]: 'Encapsulated OBJ Storage',
  [SopClass.EncapsulatedMTLStorage]: 'Encapsulated MTL Storage',
  [SopClass.PositronEmissionTomographyImageStorage]: 'Positron Emission Tomography Image Storage',
  [SopClass.LegacyConvertedEnhancedPETImageStorage]: 'Legacy Converted Enhanced PET Image Storage',
  [SopClass.EnhancedPETImageStorage]: 'Enhanced PET Image Storage',
  [SopClass.RTImageStorage]: 'RT Image Storage',
  [SopClass.RTDoseStorage]: 'RT Dose Storage',
  [SopClass.RTStructureSetStorage]: 'RT Structure Set Storage',
  [SopClass.RTBeamsTreatmentRecordStorage]: 'RT Beams Treatment Record Storage',
  [SopClass.RTPlanStorage]: 'RT Plan Storage',
  [SopClass.RTBrachyTreatmentRecordStorage]: 'RT Brachy Treatment Record Storage',
  [SopClass.RTTreatmentSummaryRecordStorage]: 'RT Treatment Summary Record Storage',
  [SopClass.RTIonPlanStorage]: 'RT Ion Plan Storage',
  [SopClass.RTIonBeamsTreatmentRecordStorage]: 'RT Ion Beams Treatment Record Storage',
};

/** Name of a SOP class (or other well-known UID), or of a transfer syntax; undefined if unknown. */
export function uidName(uid: string): string | undefined {
  return SOP_NAMES[uid] ?? TS_BY_UID.get(uid)?.name;
}

/** True for the storage SOP classes listed above (all under 1.2.840.10008.5.1.4.1.1.). */
export function isStorageSopClass(uid: string): boolean {
  return uid.startsWith('1.2.840.10008.5.1.4.1.1.') && uid in SOP_NAMES;
}

/** All known storage SOP class UIDs, e.g. for C-STORE presentation context negotiation. */
export function storageSopClasses(): string[] {
  return Object.keys(SOP_NAMES).filter((u) => u.startsWith('1.2.840.10008.5.1.4.1.1.'));
}
