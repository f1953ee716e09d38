/** Nest-free pixel toolkit for stored DICOM Part 10 files (WADO-RS frames, transcoding, rendering). */
export { PixelDataError, FrameRangeError, UnsupportedTransferSyntaxError, type PixelErrorCode } from './errors';
export { extractFrames, type ExtractedFrames } from './frames';
export { decodeFrame, transcodeToExplicitLE, AXIAL_IMPLEMENTATION_CLASS_UID, type DecodedFrame, type TranscodeOptions } from './decode';
export { renderFrame, renderToDisplay, thumbnail, type RenderOptions, type DisplayImage, type WindowFunction } from './render';
export { closeDecoding, configureDecoding, DECODABLE_TRANSFER_SYNTAXES } from './codecs';
