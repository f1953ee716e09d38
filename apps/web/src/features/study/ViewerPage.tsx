import { Link, useSearchParams } from 'react-router';
import { Construction } from 'lucide-react';
import { Card, EmptyState, PageHeader } from '../../ui';

/** /viewer?StudyInstanceUIDs=… — the diagnostic viewer arrives in a later release. */
export default function ViewerPage() {
  const [sp] = useSearchParams();
  const uids = (sp.get('StudyInstanceUIDs') ?? '').split(',').filter(Boolean);
  return (
    <>
      <PageHeader title="Viewer" description="Zero-footprint diagnostic viewer" />
      <Card>
        <EmptyState
          icon={Construction}
          title="The viewer is coming in a later release"
          description={
            uids.length ? (
              <>
                Requested {uids.length === 1 ? 'study' : 'studies'}:{' '}
                {uids.map((u, i) => (
                  <span key={u}>
                    {i > 0 && ', '}
                    <Link to={`/studies/${encodeURIComponent(u)}`} className="font-mono text-xs text-brand-700 underline">{u}</Link>
                  </span>
                ))}
              </>
            ) : undefined
          }
        />
      </Card>
    </>
  );
}
