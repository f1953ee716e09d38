/**
 * Text entry for arrow and free-text annotations: Cornerstone's tools call `getTextCallback(done)` /
 * `changeTextCallback(data, evt, done)`; the viewer's TextPromptDialog shows the pending request.
 */
export interface TextRequest {
  title: string;
  initial: string;
  done: (text: string | null) => void;
}

let pending: TextRequest | null = null;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());

export const textPrompt = {
  subscribe(l: () => void): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  current(): TextRequest | null {
    return pending;
  },
  /** Answers the pending request (null or '' = cancelled: a new annotation is then removed). */
  answer(text: string | null): void {
    const req = pending;
    pending = null;
    emit();
    req?.done(text && text.trim() ? text.trim() : null);
  },
};

function ask(title: string, initial: string, done: (text: string | null) => void): void {
  pending?.done(null);
  pending = { title, initial, done };
  emit();
}

export function askText(done: (text: string | null) => void): void {
  ask('Annotation text', '', done);
}

export function changeText(data: { data?: { text?: string; label?: string } } | undefined, _evt: unknown, done: (text: string | null) => void): void {
  ask('Edit annotation text', data?.data?.text ?? data?.data?.label ?? '', done);
}
