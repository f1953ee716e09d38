/**
 * The viewer's `wadors:` image loader: Cornerstone's WADO-RS loader, changed in three ways.
 * - Requests wait in Cornerstone's retrieval pool, a few per request type at a time, so that a frame still waiting
 *   when a series stream starts is taken from the stream (the stock loader hands every request to the browser at
 *   once, where it waits in the browser's queue instead).
 * - The first frame of the first series may already have been requested by the viewer's early requests
 *   (`startViewerPrefetch`, main bundle) while the viewer chunk and Cornerstone were starting: it is used as is. So
 *   is a frame that a series stream (seriesFrames/, the MPR's volume) is bringing.
 * - Frames are fetched with `fetch` and their single multipart part is located from both ends (frameFetch.ts),
 *   not by scanning every frame for the boundary on the main thread.
 * Decoding, scaling and caching are Cornerstone's own (`createImage`), with the options it passes (volume target
 * buffers for MPR included); the frame's buffer, fetched for this image alone, is given to the decode worker
 * (`transferPixelData`, decode/transfers.ts). Requests go through Cornerstone's retrieval pool with their type and priority, as the
 * stock loader's do.
 */
import { Enums, imageLoader, imageRetrievalPoolManager, type Types } from '@cornerstonejs/core';
import { createImage } from '@cornerstonejs/dicom-image-loader';
import { getTransferSyntaxForContentType } from '@cornerstonejs/dicom-image-loader/wadors/loadImage';
import { fetchFrame, type FetchedFrame } from './frameFetch';
import { takeStreamedFrame } from './seriesFrames';
import { takeEarlyFrame } from './viewerData';

interface LoaderOptions {
  requestType?: Enums.RequestType;
  additionalDetails?: Record<string, unknown>;
  priority?: number;
  [key: string]: unknown;
}

export function registerFrameLoader(getToken: () => string | null, renew: (refused: string | null) => Promise<string | null>): void {
  const load = (imageId: string, options: LoaderOptions = {}): Types.IImageLoadObject => {
    const url = imageId.slice('wadors:'.length);
    const started = Date.now();
    const decode = async (frame: FetchedFrame): Promise<Types.IImage> => {
      const transferSyntax = getTransferSyntaxForContentType(frame.contentType);
      const image = (await createImage(imageId, frame.pixelData, transferSyntax, { ...options, decodeLevel: 0, transferPixelData: true } as never)) as unknown as Types.IImage & {
        loadTimeInMS?: number;
        transferSyntaxUID?: string;
        imageQualityStatus?: Enums.ImageQualityStatus;
      };
      image.loadTimeInMS = Date.now() - started;
      image.transferSyntaxUID = transferSyntax;
      image.imageQualityStatus = Enums.ImageQualityStatus.FULL_RESOLUTION;
      return image;
    };
    // A frame already on its way: the viewer's early request, or a series stream (seriesFrames); if that fails, the
    // frame is requested on its own.
    const early = takeEarlyFrame(url) ?? takeStreamedFrame(url);
    if (early) return { promise: early.catch(() => fetchFrame(url, getToken, renew)).then(decode) as Promise<Types.IImage> };
    const promise = new Promise<Types.IImage>((resolve, reject) => {
      imageRetrievalPoolManager.addRequest(
        // The pool starts requests in priority order, a few at a time (its limit per request type): a request holds
        // its place until its frame has arrived. A frame that a series stream started since the load was queued
        // (the MPR opened) is taken from the stream when its turn comes, and holds no place.
        async () => {
          const streamed = takeStreamedFrame(url);
          if (streamed) {
            streamed.catch(() => fetchFrame(url, getToken, renew)).then(decode).then(resolve, reject);
            return;
          }
          let frame: FetchedFrame;
          try {
            frame = await fetchFrame(url, getToken, renew);
          } catch (err) {
            reject(err);
            return;
          }
          decode(frame).then(resolve, reject);
        },
        options.requestType ?? Enums.RequestType.Interaction,
        options.additionalDetails ?? { imageId },
        options.priority ?? 5,
      );
    });
    return { promise };
  };
  imageLoader.registerImageLoader('wadors', load as unknown as Types.ImageLoaderFn);
}
