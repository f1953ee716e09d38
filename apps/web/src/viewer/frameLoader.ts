/**
 * The viewer's `wadors:` image loader: Cornerstone's WADO-RS loader with two changes, both on the first image's
 * critical path.
 * - The first frame of the first series may already have been requested by the viewer's early requests
 *   (`startViewerPrefetch`, main bundle) while the viewer chunk and Cornerstone were starting: it is used as is.
 * - Frames are fetched with `fetch` and their single multipart part is located from both ends (frameFetch.ts),
 *   not by scanning every frame for the boundary on the main thread.
 * Decoding, scaling and caching are Cornerstone's own (`createImage`), with the options it passes (volume target
 * buffers for MPR included). Requests go through Cornerstone's retrieval pool with their type and priority, as the
 * stock loader's do.
 */
import { Enums, imageLoader, imageRetrievalPoolManager, type Types } from '@cornerstonejs/core';
import { createImage } from '@cornerstonejs/dicom-image-loader';
import { getTransferSyntaxForContentType } from '@cornerstonejs/dicom-image-loader/wadors/loadImage';
import { fetchFrame, type FetchedFrame } from './frameFetch';
import { takeEarlyFrame } from './viewerData';

interface LoaderOptions {
  requestType?: Enums.RequestType;
  additionalDetails?: Record<string, unknown>;
  priority?: number;
  [key: string]: unknown;
}

export function registerFrameLoader(getToken: () => string | null): void {
  const load = (imageId: string, options: LoaderOptions = {}): Types.IImageLoadObject => {
    const url = imageId.slice('wadors:'.length);
    const started = Date.now();
    const decode = async (frame: FetchedFrame): Promise<Types.IImage> => {
      const transferSyntax = getTransferSyntaxForContentType(frame.contentType);
      const image = (await createImage(imageId, frame.pixelData, transferSyntax, { ...options, decodeLevel: 0 } as never)) as unknown as Types.IImage & {
        loadTimeInMS?: number;
        transferSyntaxUID?: string;
        imageQualityStatus?: Enums.ImageQualityStatus;
      };
      image.loadTimeInMS = Date.now() - started;
      image.transferSyntaxUID = transferSyntax;
      image.imageQualityStatus = Enums.ImageQualityStatus.FULL_RESOLUTION;
      return image;
    };
    const early = takeEarlyFrame(url);
    if (early) return { promise: early.catch(() => fetchFrame(url, getToken)).then(decode) as Promise<Types.IImage> };
    const promise = new Promise<Types.IImage>((resolve, reject) => {
      imageRetrievalPoolManager.addRequest(
        // Like the stock loader's, the request function resolves at once: the pool starts requests in priority order
        // and the browser's connection limit bounds how many are in flight.
        async () => {
          fetchFrame(url, getToken).then(decode).then(resolve, reject);
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
