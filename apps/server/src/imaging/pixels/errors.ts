/** Why a pixel operation on a stored file failed. */
export type PixelErrorCode =
  | 'NOT_DICOM'
  | 'TRUNCATED'
  | 'MALFORMED'
  | 'NO_PIXEL_DATA'
  | 'FRAME_RANGE'
  | 'UNSUPPORTED_TRANSFER_SYNTAX'
  | 'UNSUPPORTED_IMAGE'
  | 'DECODE_FAILED'
  | 'LIMIT_EXCEEDED'
  | 'INVALID_ARGUMENT';

/**
 * Base class of every error thrown by the pixel toolkit. `message` is for humans; `httpStatus` is a hint
 * for the DICOMweb layer (the toolkit itself knows nothing about HTTP).
 */
export class PixelDataError extends Error {
  override name = 'PixelDataError';
  constructor(
    readonly code: PixelErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  get httpStatus(): number {
    switch (this.code) {
      case 'FRAME_RANGE':
        return 404;
      case 'INVALID_ARGUMENT':
        return 400;
      case 'UNSUPPORTED_TRANSFER_SYNTAX':
      case 'UNSUPPORTED_IMAGE':
        return 406;
      case 'NO_PIXEL_DATA':
        return 404;
      default:
        return 500;
    }
  }
}

/** A requested frame number is not in 1..NumberOfFrames (PS3.18 §8.3.1: frame numbers are 1-based). */
export class FrameRangeError extends PixelDataError {
  override name = 'FrameRangeError';
  constructor(
    readonly requested: readonly number[],
    readonly numberOfFrames: number,
  ) {
    super('FRAME_RANGE', `Frame number(s) ${requested.join(', ')} out of range: the instance has ${numberOfFrames} frame(s), numbered from 1`);
  }
}

/** The pixel data's transfer syntax cannot be decoded by this toolkit. */
export class UnsupportedTransferSyntaxError extends PixelDataError {
  override name = 'UnsupportedTransferSyntaxError';
  constructor(
    readonly transferSyntaxUid: string,
    detail?: string,
  ) {
    super('UNSUPPORTED_TRANSFER_SYNTAX', `Cannot decode pixel data in transfer syntax ${transferSyntaxUid}${detail ? `: ${detail}` : ''}`);
  }
}
