import { Link } from 'react-router';
import { FileQuestion, ShieldAlert } from 'lucide-react';
import { buttonClasses, EmptyState } from '../../ui';

export function ForbiddenPage() {
  return (
    <section aria-labelledby="forbidden-title" className="py-10">
      <p className="text-center text-sm font-semibold text-danger-600">403</p>
      <EmptyState
        icon={ShieldAlert}
        title="Access denied"
        heading="h1"
        titleId="forbidden-title"
        description="Your account does not have permission to open this page. Ask an administrator if you need access."
        action={<Link to="/" className={buttonClasses('secondary')}>Back to home</Link>}
      />
    </section>
  );
}

export function NotFoundPage() {
  return (
    <section aria-labelledby="notfound-title" className="py-10">
      <p className="text-center text-sm font-semibold text-ink-subtle">404</p>
      <EmptyState
        icon={FileQuestion}
        title="Page not found"
        heading="h1"
        titleId="notfound-title"
        description="The address may be mistyped, or the page has moved."
        action={<Link to="/" className={buttonClasses('secondary')}>Back to home</Link>}
      />
    </section>
  );
}
