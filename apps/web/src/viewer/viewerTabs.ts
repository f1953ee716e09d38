/**
 * Studies open in the viewer as tabs (this browser tab's session): each tab is a set of study UIDs
 * (`StudyInstanceUIDs` of /viewer). Switching tabs is client-side navigation; the page never reloads, so the
 * measurements and key images of every open study stay in memory until saved.
 */
export interface ViewerTab {
  uids: string;
  label: string;
}

const KEY = 'axial.viewerTabs';
const listeners = new Set<() => void>();
let cache: ViewerTab[] | null = null;

function read(): ViewerTab[] {
  if (cache) return cache;
  try {
    const v = JSON.parse(sessionStorage.getItem(KEY) ?? '[]') as unknown;
    cache = Array.isArray(v) ? (v as ViewerTab[]).filter((t) => t && typeof t.uids === 'string' && t.uids) : [];
  } catch {
    cache = [];
  }
  return cache;
}

function write(tabs: ViewerTab[]): void {
  cache = tabs;
  try {
    sessionStorage.setItem(KEY, JSON.stringify(tabs));
  } catch {
    /* storage full or disabled: tabs live in memory only */
  }
  listeners.forEach((l) => l());
}

export const viewerTabs = {
  subscribe(l: () => void): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  list(): ViewerTab[] {
    return read();
  },
  /** Adds a tab (if missing) and returns the viewer URL that shows it. */
  open(uids: string, label = ''): string {
    const tabs = read();
    if (!tabs.some((t) => t.uids === uids)) write([...tabs, { uids, label }]);
    else if (label) this.setLabel(uids, label);
    return `/viewer?StudyInstanceUIDs=${encodeURIComponent(uids)}`;
  },
  setLabel(uids: string, label: string): void {
    const tabs = read();
    if (tabs.some((t) => t.uids === uids && t.label !== label)) write(tabs.map((t) => (t.uids === uids ? { ...t, label } : t)));
  },
  /** Closes every tab (the next viewer opened starts a fresh set). */
  reset(): void {
    write([]);
  },
  /** Removes a tab; returns the tab to show instead (the neighbour), if any. */
  close(uids: string): ViewerTab | null {
    const tabs = read();
    const i = tabs.findIndex((t) => t.uids === uids);
    if (i < 0) return tabs[0] ?? null;
    const next = tabs.filter((t) => t.uids !== uids);
    write(next);
    return next[Math.min(i, next.length - 1)] ?? null;
  },
};
