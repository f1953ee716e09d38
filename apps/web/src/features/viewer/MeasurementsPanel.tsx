import { useEffect, useState } from 'react';
import { eventTarget, type RenderingEngine } from '@cornerstonejs/core';
import { annotation, Enums as ToolEnums, type Types as ToolTypes } from '@cornerstonejs/tools';
import { Trash } from 'lucide-react';
import { MEASUREMENT_TOOL_NAMES } from '../../viewer/cornerstone';

interface Row {
  uid: string;
  tool: string;
  text: string;
  note?: string;
}

const LABELS: Record<string, string> = {
  Length: 'Length',
  Angle: 'Angle',
  EllipticalROI: 'Ellipse',
  RectangleROI: 'Rectangle',
  Probe: 'Probe',
  ArrowAnnotate: 'Arrow',
};

const fmt = (n: unknown, digits = 1) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : '—');

type Stats = Record<string, unknown>;

function describe(a: ToolTypes.Annotation): Row {
  const tool = a.metadata?.toolName ?? '';
  const data = a.data as { cachedStats?: Record<string, Stats>; text?: string };
  const stats: Stats = Object.values(data.cachedStats ?? {})[0] ?? {};
  const row: Row = { uid: a.annotationUID ?? '', tool: LABELS[tool] ?? tool, text: '' };
  switch (tool) {
    case 'Length': {
      const unit = String(stats.unit ?? '');
      row.text = `${fmt(stats.length, unit === 'mm' ? 1 : 0)} ${unit}`;
      if (unit && unit !== 'mm') row.note = 'Pixel units: the image has no Pixel Spacing';
      break;
    }
    case 'Angle':
      row.text = typeof stats.angle === 'number' ? `${stats.angle.toFixed(1)}°` : String(stats.angle ?? '—');
      break;
    case 'EllipticalROI':
    case 'RectangleROI': {
      const mu = String(stats.modalityUnit ?? '');
      row.text = `mean ${fmt(stats.mean)} ${mu} · sd ${fmt(stats.stdDev)} · area ${fmt(stats.area)} ${String(stats.areaUnit ?? '')}`;
      if (String(stats.areaUnit ?? '').startsWith('px')) row.note = 'Area in pixels: the image has no Pixel Spacing';
      break;
    }
    case 'Probe':
      row.text = `${fmt(stats.value)} ${String(stats.modalityUnit ?? '')}`;
      break;
    case 'ArrowAnnotate':
      row.text = data.text || '(no text)';
      break;
  }
  return row;
}

/** Lists the measurements of the open viewports (Cornerstone annotation state), with delete. */
export function MeasurementsPanel({ engine, modality }: { engine: RenderingEngine; modality: string }) {
  const [rows, setRows] = useState<Row[]>([]);

  useEffect(() => {
    let timer = 0;
    const refresh = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        const all = annotation.state.getAllAnnotations().filter((a) => MEASUREMENT_TOOL_NAMES.includes(a.metadata?.toolName ?? ''));
        setRows(all.map(describe));
      }, 100);
    };
    const events = [
      ToolEnums.Events.ANNOTATION_COMPLETED,
      ToolEnums.Events.ANNOTATION_MODIFIED,
      ToolEnums.Events.ANNOTATION_REMOVED,
      ToolEnums.Events.ANNOTATION_ADDED,
    ];
    for (const e of events) eventTarget.addEventListener(e, refresh);
    refresh();
    return () => {
      window.clearTimeout(timer);
      for (const e of events) eventTarget.removeEventListener(e, refresh);
    };
  }, []);

  const remove = (uid: string) => {
    annotation.state.removeAnnotation(uid);
    engine.render();
    setRows((r) => r.filter((x) => x.uid !== uid));
  };

  return (
    <aside className="flex w-60 shrink-0 flex-col overflow-y-auto border-l border-neutral-800 bg-neutral-900/80 text-xs" aria-label="Measurements" data-testid="measurements-panel">
      <h2 className="px-3 pb-1 pt-2 text-[11px] font-semibold uppercase tracking-wide text-neutral-400">Measurements</h2>
      {rows.length === 0 ? (
        <p className="px-3 py-2 text-neutral-500">
          None yet. Pick length, angle, ellipse, rectangle, probe or arrow in the toolbar and draw with the left button
          {modality === 'CT' ? ' (ROI statistics in HU).' : '.'}
        </p>
      ) : (
        <ul className="flex flex-col gap-1 px-2 pb-2">
          {rows.map((r, i) => (
            <li key={r.uid} className="group flex items-start gap-2 rounded bg-neutral-800/70 px-2 py-1.5" data-testid="measurement-row">
              <span className="mt-px text-neutral-500 tabular-nums">{i + 1}</span>
              <span className="min-w-0 flex-1">
                <span className="block font-semibold text-neutral-100">{r.tool}</span>
                <span className="block break-words font-mono text-neutral-200">{r.text}</span>
                {r.note && <span className="block text-amber-300">{r.note}</span>}
              </span>
              <button type="button" onClick={() => remove(r.uid)} className="rounded p-1 text-neutral-400 hover:bg-neutral-700 hover:text-white" aria-label={`Delete ${r.tool} measurement ${i + 1}`}>
                <Trash className="size-3.5" aria-hidden />
              </button>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
