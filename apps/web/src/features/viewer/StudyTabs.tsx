import { useEffect, useSyncExternalStore } from 'react';
import { useNavigate } from 'react-router';
import { X } from 'lucide-react';
import { viewerTabs } from '../../viewer/viewerTabs';

/** Tabs of the studies open in the viewer; the current one is `current` (the StudyInstanceUIDs parameter). */
export function StudyTabs({ current, label }: { current: string; label: string }) {
  const tabs = useSyncExternalStore(viewerTabs.subscribe, viewerTabs.list);
  const navigate = useNavigate();

  useEffect(() => {
    if (current) viewerTabs.open(current, label);
  }, [current, label]);

  if (tabs.length < 2) return null;
  return (
    <nav className="flex h-8 shrink-0 items-end gap-0.5 overflow-x-auto border-b border-neutral-800 bg-neutral-950 px-2 pt-1" aria-label="Open studies" data-testid="study-tabs">
      {tabs.map((t) => {
        const active = t.uids === current;
        return (
          <div
            key={t.uids}
            className={`group flex max-w-52 items-center gap-1 rounded-t border border-b-0 px-2 py-1 text-xs ${active ? 'border-sky-600 bg-neutral-800 text-white' : 'border-neutral-700 bg-neutral-900 text-neutral-400 hover:text-white'}`}
            data-testid="study-tab"
            data-active={active ? 'true' : 'false'}
            data-uids={t.uids}
          >
            <button type="button" className="min-w-0 truncate" title={t.label || t.uids} onClick={() => !active && navigate(viewerTabs.open(t.uids))} aria-current={active ? 'page' : undefined}>
              {t.label || `Study …${t.uids.slice(-8)}`}
            </button>
            <button
              type="button"
              aria-label={`Close ${t.label || 'study'}`}
              className="rounded p-0.5 text-neutral-500 hover:bg-neutral-700 hover:text-white"
              onClick={() => {
                const next = viewerTabs.close(t.uids);
                if (active) navigate(next ? viewerTabs.open(next.uids) : '/studies');
              }}
            >
              <X className="size-3" aria-hidden />
            </button>
          </div>
        );
      })}
    </nav>
  );
}
