/**
 * Axial's decode worker: Cornerstone's own (its decoders, scaling and Comlink API, unchanged) with replies
 * that transfer the decoded frame instead of copying it. The import order matters: replies.ts patches
 * postMessage before Cornerstone's module exposes its API.
 */
import './replies';
import '@axial/cornerstone-decode-worker';
