/**
 * Imported by the decode worker before Cornerstone's worker module installs its Comlink endpoint on the
 * worker's global scope: replies then go through `postMessage` with the decoded frame's buffer
 * transferred (transfers.ts).
 */
import { replyBuffers, transferringPost } from './transfers';

const scope = globalThis as unknown as { postMessage: (message: unknown, transfer?: Transferable[]) => void };
const post = scope.postMessage.bind(scope);
scope.postMessage = transferringPost((message, transfer) => post(message, transfer), replyBuffers);
