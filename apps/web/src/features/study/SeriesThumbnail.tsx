import { useEffect, useState } from 'react';
import { useStore } from 'react-redux';
import { FileText, ImageOff } from 'lucide-react';
import { dicomwebRaw, type Thunk } from '../studies/dicomweb';

type State = { kind: 'loading' } | { kind: 'image'; url: string } | { kind: 'none'; reason: string };

/**
 * A series thumbnail from GET /dicom-web/studies/{s}/series/{se}/thumbnail?viewport=128,128.
 * `<img src>` cannot send the bearer token, so it is fetched as a blob and shown through an object
 * URL that is revoked on unmount. 404/406 (no renderable image, e.g. SR or PDF) show a placeholder.
 */
export function SeriesThumbnail({ studyUid, seriesUid, modality, size = 96, wait = false }: { studyUid: string; seriesUid: string; modality: string; size?: number; /** Not requested yet (shown as loading). */ wait?: boolean }) {
  const store = useStore();
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    if (wait) return;
    const ctrl = new AbortController();
    let url: string | null = null;
    setState({ kind: 'loading' });
    const thunk: Thunk = { getState: store.getState, dispatch: store.dispatch };
    dicomwebRaw(
      {
        path: `studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}/thumbnail`,
        params: { viewport: '128,128' },
        accept: 'image/jpeg, image/png;q=0.9, image/*;q=0.8',
        signal: ctrl.signal,
      },
      thunk,
    )
      .then(async (res) => {
        if (!res.ok) {
          setState({ kind: 'none', reason: res.status === 404 || res.status === 406 ? 'No preview' : `Preview failed (${res.status})` });
          return;
        }
        const blob = await res.blob();
        if (ctrl.signal.aborted) return;
        if (!blob.type.startsWith('image/') && blob.size === 0) {
          setState({ kind: 'none', reason: 'No preview' });
          return;
        }
        url = URL.createObjectURL(blob);
        setState({ kind: 'image', url });
      })
      .catch(() => {
        if (!ctrl.signal.aborted) setState({ kind: 'none', reason: 'Preview unavailable' });
      });
    return () => {
      ctrl.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [studyUid, seriesUid, store, wait]);

  const box = 'flex shrink-0 items-center justify-center overflow-hidden rounded border border-border bg-neutral-900 text-neutral-400';
  const style = { width: size, height: size };
  if (state.kind === 'image') {
    return (
      <div className={box} style={style} data-thumbnail="image">
        <img src={state.url} alt={`Series preview (${modality || 'image'})`} className="max-h-full max-w-full object-contain" />
      </div>
    );
  }
  if (state.kind === 'loading') {
    return <div className={`${box} animate-pulse`} style={style} data-thumbnail="loading" aria-label="Loading preview" role="img" />;
  }
  const Icon = /^(SR|DOC|KO|PR)$/i.test(modality) ? FileText : ImageOff;
  return (
    <div className={`${box} flex-col gap-1 bg-sunken text-ink-subtle`} style={style} data-thumbnail="placeholder" role="img" aria-label={state.reason}>
      <Icon aria-hidden className="size-6" strokeWidth={1.5} />
      <span className="text-[10px] font-semibold">{modality || '—'}</span>
    </div>
  );
}
