/**
 * Registers Axial's decode worker (decodeWorker.ts) in place of the one Cornerstone's image loader starts, with
 * decode requests that transfer Axial's frame buffers (transfers.ts). Call after the image loader's init.
 */
import { getWebWorkerManager } from '@cornerstonejs/core';
import { requestBuffers, transferringPost } from './transfers';

const WORKER_NAME = 'dicomImageLoader';

function createDecodeWorker(): Worker {
  const worker = new Worker(new URL('./decodeWorker.ts', import.meta.url), { type: 'module', name: 'axial-decode' });
  const post = worker.postMessage.bind(worker) as (message: unknown, transfer?: Transferable[]) => void;
  worker.postMessage = transferringPost(post, requestBuffers) as Worker['postMessage'];
  return worker;
}

export function useTransferringDecodeWorkers(maxWorkerInstances: number): void {
  const manager = getWebWorkerManager() as unknown as {
    terminate: (name: string) => void;
    registerWorker: (name: string, fn: () => Worker, options: { maxWorkerInstances: number; overwrite: boolean }) => void;
  };
  // The image loader's init has started its own workers: stopped before they are given work.
  manager.terminate(WORKER_NAME);
  manager.registerWorker(WORKER_NAME, createDecodeWorker, { maxWorkerInstances, overwrite: true });
}
