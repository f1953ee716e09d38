/** CT window/level presets (width / centre, HU), keys 1–8 in the viewer. */
export interface WindowPreset {
  id: string;
  label: string;
  width: number;
  center: number;
}

export const CT_PRESETS: WindowPreset[] = [
  { id: 'brain', label: 'Brain', width: 80, center: 40 },
  { id: 'subdural', label: 'Subdural', width: 215, center: 75 },
  { id: 'stroke', label: 'Stroke', width: 40, center: 40 },
  { id: 'lung', label: 'Lung', width: 1500, center: -600 },
  { id: 'mediastinum', label: 'Mediastinum', width: 350, center: 50 },
  { id: 'abdomen', label: 'Abdomen', width: 400, center: 60 },
  { id: 'liver', label: 'Liver', width: 150, center: 30 },
  { id: 'bone', label: 'Bone', width: 1800, center: 400 },
];

export function toRange(width: number, center: number): { lower: number; upper: number } {
  return { lower: center - width / 2, upper: center + width / 2 };
}

/** Anatomical direction letters of an LPS vector ("" when it has no clear direction). */
export function orientationLetters(v: [number, number, number]): string {
  const len = Math.hypot(v[0], v[1], v[2]);
  if (!len) return '';
  const parts: Array<[number, string]> = [
    [v[0] / len, v[0] > 0 ? 'L' : 'R'],
    [v[1] / len, v[1] > 0 ? 'P' : 'A'],
    [v[2] / len, v[2] > 0 ? 'H' : 'F'],
  ];
  return parts
    .filter(([c]) => Math.abs(c) > 0.25)
    .sort((a, b) => Math.abs(b[0]) - Math.abs(a[0]))
    .map(([, l]) => l)
    .join('');
}
