import { useEffect, useState, useSyncExternalStore } from 'react';
import { Dialog } from '../../ui';
import { textPrompt } from '../../viewer/textPrompt';

/** The text of a new or edited arrow / free-text annotation (Enter saves, Esc cancels). */
export function TextPromptDialog() {
  const req = useSyncExternalStore(textPrompt.subscribe, textPrompt.current);
  const [text, setText] = useState('');
  useEffect(() => setText(req?.initial ?? ''), [req]);
  return (
    <Dialog
      open={!!req}
      onOpenChange={(open) => !open && textPrompt.answer(null)}
      title={req?.title ?? 'Annotation text'}
      size="sm"
      footer={
        <>
          <button type="button" className="rounded px-3 py-1.5 text-sm hover:bg-sunken" onClick={() => textPrompt.answer(null)}>
            Cancel
          </button>
          <button type="button" className="rounded bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700" onClick={() => textPrompt.answer(text)} data-testid="annotation-text-ok">
            Save
          </button>
        </>
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          textPrompt.answer(text);
        }}
      >
        <label className="block text-sm">
          <span className="mb-1 block text-ink-muted">Text shown on the image</span>
          <input autoFocus value={text} onChange={(e) => setText(e.target.value)} className="w-full rounded border border-border bg-surface px-2 py-1.5 text-sm text-ink" data-testid="annotation-text-input" maxLength={200} />
        </label>
      </form>
    </Dialog>
  );
}
