import { useState } from 'react';
import { Settings } from 'lucide-react';
import { Button, Dialog, Input } from '../../ui';
import { CACHE_MB_MAX, CACHE_MB_MIN, cacheUsage, getCacheMb, setCacheMb } from '../../viewer/viewerSettings';

/** Toolbar button + dialog for the viewer's per-workstation settings (image cache limit). */
export function ViewerSettingsButton() {
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState(String(getCacheMb()));
  const [usage, setUsage] = useState(() => ({ used: 0, max: 0 }));
  const mb = (b: number) => Math.round(b / (1024 * 1024));
  return (
    <>
      <button
        type="button"
        title="Viewer settings"
        aria-label="Viewer settings"
        data-testid="action-settings"
        onClick={() => {
          setValue(String(getCacheMb()));
          setUsage(cacheUsage());
          setOpen(true);
        }}
        className="flex h-8 min-w-8 items-center justify-center rounded text-neutral-300 hover:bg-neutral-700 hover:text-white"
      >
        <Settings className="size-4" aria-hidden />
      </button>
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title="Viewer settings"
        description="Stored in this browser."
        footer={
          <Button
            onClick={() => {
              const applied = setCacheMb(Number(value));
              setValue(String(applied));
              setUsage(cacheUsage());
              setOpen(false);
            }}
            data-testid="settings-save"
          >
            Save
          </Button>
        }
      >
        <label className="flex flex-col gap-1 text-sm">
          <span className="font-medium">Image cache limit (MB)</span>
          <Input type="number" min={CACHE_MB_MIN} max={CACHE_MB_MAX} step={128} value={value} onChange={(e) => setValue(e.target.value)} data-testid="settings-cache-mb" />
          <span className="text-xs text-ink-muted">
            Decoded images kept in memory ({CACHE_MB_MIN}–{CACHE_MB_MAX} MB). Beyond it the least recently viewed images are dropped and fetched again when
            needed; prefetching plans at most half of it. In use now: {mb(usage.used)} of {mb(usage.max)} MB.
          </span>
        </label>
      </Dialog>
    </>
  );
}
