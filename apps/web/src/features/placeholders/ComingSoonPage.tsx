import { Construction } from 'lucide-react';
import { navItem, type NavKey } from '../../app/permissions';
import { Card, EmptyState, PageHeader } from '../../ui';

/** Areas that are part of the product but not built yet. */
export function ComingSoonPage({ area }: { area: NavKey }) {
  const item = navItem(area);
  return (
    <>
      <PageHeader title={item.label} description={item.description} />
      <Card>
        <EmptyState
          icon={Construction}
          title="Coming in a later release"
          description={`${item.label} is planned for a later release of Axial. Your access is already set up.`}
        />
      </Card>
    </>
  );
}
