import { useSyncExternalStore } from 'react';
import { Star } from 'lucide-react';
import { keyImages } from '../../viewer/keyImages';

/** "KEY" mark on a viewport whose current image is a key image. */
export function KeyImageBadge({ imageId, index }: { imageId: string | undefined; index: number }) {
  useSyncExternalStore(keyImages.subscribe, keyImages.getVersion);
  if (!imageId || !keyImages.has(imageId)) return null;
  return (
    <div className="pointer-events-none absolute left-1/2 top-7 flex -translate-x-1/2 items-center gap-1 rounded bg-amber-500/85 px-1.5 py-0.5 font-sans text-[11px] font-bold text-black shadow" data-testid={`viewport-key-${index}`}>
      <Star className="size-3 fill-black" aria-hidden /> KEY IMAGE
    </div>
  );
}
