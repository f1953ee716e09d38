/**
 * The viewer's first image comes first: requests the first image does not need (priors, saved measurements and key
 * images, series thumbnails) wait until a viewport has painted its first image, or FALLBACK_MS after the viewer opened
 * (a study without images, a slow network), so they do not compete with it for the connection, the server and the
 * cores. One gate per opened set of studies.
 */
import { useEffect, useReducer } from 'react';

const FALLBACK_MS = 3000;

interface Gate {
  key: string;
  open: boolean;
  promise: Promise<void>;
  release: () => void;
}

function makeGate(key: string, open: boolean): Gate {
  let release: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (release = resolve));
  const gate: Gate = { key, open, promise, release: () => undefined };
  gate.release = () => {
    gate.open = true;
    release();
  };
  if (open) gate.release();
  return gate;
}

let current: Gate = makeGate('', true);

/** Closes the gate for the viewer showing `key` (idempotent while that gate is closed). */
export function holdUntilFirstImage(key: string): void {
  if (current.key === key && !current.open) return;
  const gate = makeGate(key, false);
  current = gate;
  setTimeout(gate.release, FALLBACK_MS);
}

/** A viewport painted its first image (or gave up). */
export function firstImageShown(): void {
  current.release();
}

/** Resolves once the current viewer's first image is on screen (at once if it already is). */
export function afterFirstImage(): Promise<void> {
  return current.promise;
}

/** False until the current viewer's first image is on screen (re-renders when it is). */
export function useAfterFirstImage(): boolean {
  const gate = current;
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (gate.open) return;
    let live = true;
    void gate.promise.then(() => live && rerender());
    return () => {
      live = false;
    };
  }, [gate]);
  return gate.open;
}
