/** Reasons a DICOM byte stream was rejected by {@link readHeader} / {@link parseDicom}. */
export type DicomParseErrorCode =
  | 'NOT_DICOM'
  | 'TRUNCATED'
  | 'MALFORMED'
  | 'MISSING_UID'
  | 'INVALID_TRANSFER_SYNTAX'
  | 'ABSURD_DIMENSIONS'
  | 'LIMIT_EXCEEDED';

/** Thrown for any input that cannot be accepted as a DICOM instance. `message` is meant for humans. */
export class DicomParseError extends Error {
  override readonly name = 'DicomParseError';
  constructor(
    readonly code: DicomParseErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type QueryErrorCode =
  | 'UNKNOWN_ATTRIBUTE'
  | 'UNKNOWN_PARAMETER'
  | 'INVALID_VALUE'
  | 'INVALID_RANGE'
  | 'INVALID_LEVEL'
  | 'DUPLICATE_KEY'
  | 'UNSUPPORTED';

/**
 * Thrown by the query parser for invalid QIDO-RS parameters or C-FIND identifiers.
 * HTTP layers map it to 400 Bad Request (PS3.18 §8.3.4: invalid query parameters), DIMSE to
 * status A900 "Identifier does not match SOP Class" / C000 "Unable to process".
 */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  constructor(
    readonly code: QueryErrorCode,
    message: string,
    /** The offending parameter or attribute, as given by the caller. */
    readonly parameter?: string,
  ) {
    super(message);
  }
}
