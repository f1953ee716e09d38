/**
 * Key-image marks of the open studies (by image id), with change notification for React
 * (`useSyncExternalStore`) and a per-study "changed since loaded / saved" flag.
 */
type Listener = () => void;

class KeyImageStore {
  private byStudy = new Map<string, Set<string>>();
  private changed = new Set<string>();
  private listeners = new Set<Listener>();
  private version = 0;

  private studyOf(imageId: string): string {
    const m = /\/studies\/([^/]+)\//.exec(imageId);
    return m ? decodeURIComponent(m[1]) : '';
  }

  private emit(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  getVersion = (): number => this.version;

  has(imageId: string): boolean {
    return this.byStudy.get(this.studyOf(imageId))?.has(imageId) ?? false;
  }

  /** Marks or unmarks an image; returns whether it is now a key image. */
  toggle(imageId: string): boolean {
    const study = this.studyOf(imageId);
    if (!study) return false;
    const set = this.byStudy.get(study) ?? new Set<string>();
    this.byStudy.set(study, set);
    const now = !set.delete(imageId);
    if (now) set.add(imageId);
    this.changed.add(study);
    this.emit();
    return now;
  }

  of(studyUid: string): string[] {
    return [...(this.byStudy.get(studyUid) ?? [])];
  }

  all(): string[] {
    return [...this.byStudy.values()].flatMap((s) => [...s]);
  }

  /** Marks read from the archive (replaces the study's marks unless the user changed them already). */
  restore(studyUid: string, imageIds: string[]): void {
    if (this.changed.has(studyUid)) return;
    this.byStudy.set(studyUid, new Set(imageIds));
    this.emit();
  }

  isChanged(studyUid: string): boolean {
    return this.changed.has(studyUid);
  }

  changedStudies(): string[] {
    return [...this.changed];
  }

  markSaved(studyUid: string): void {
    this.changed.delete(studyUid);
    this.emit();
  }

  clear(): void {
    this.byStudy.clear();
    this.changed.clear();
    this.emit();
  }
}

export const keyImages = new KeyImageStore();
