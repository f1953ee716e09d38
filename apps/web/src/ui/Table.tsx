import type { ReactNode } from 'react';
import { ChevronLeft, ChevronRight } from 'lucide-react';
import { Button } from './Button';
import { cn } from './cn';
import { EmptyState } from './EmptyState';
import { Spinner } from './Layout';
import { Alert } from './Alert';

export interface Column<T> {
  key: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  className?: string;
  /** Visually hidden header (e.g. for an actions column). */
  srOnlyHeader?: boolean;
}

export interface DataTableProps<T> {
  /** Accessible name of the table. */
  label: string;
  columns: Column<T>[];
  rows: T[] | undefined;
  rowKey: (row: T) => string | number;
  loading?: boolean;
  error?: string | null;
  empty?: ReactNode;
  paging?: PaginationProps;
  rowClassName?: (row: T) => string | undefined;
  /** Extra content rendered below a row (e.g. expanded details), spanning every column. */
  renderExpanded?: (row: T) => ReactNode | null;
}

export function DataTable<T>({ label, columns, rows, rowKey, loading, error, empty, paging, rowClassName, renderExpanded }: DataTableProps<T>) {
  return (
    <div>
      <div className="overflow-x-auto">
        <table aria-label={label} aria-busy={loading || undefined} className="w-full border-collapse text-left text-sm">
          <thead>
            <tr className="border-b border-border bg-surface-muted">
              {columns.map((c) => (
                <th key={c.key} scope="col" className={cn('px-4 py-2.5 text-xs font-semibold tracking-wide text-ink-muted uppercase', c.className)}>
                  {c.srOnlyHeader ? <span className="sr-only">{c.header}</span> : c.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows?.map((row) => {
              const expanded = renderExpanded?.(row);
              return (
                <Rows key={rowKey(row)}>
                  <tr className={cn('border-b border-border last:border-b-0 hover:bg-surface-muted/70', rowClassName?.(row))}>
                    {columns.map((c) => (
                      <td key={c.key} className={cn('px-4 py-2.5 align-middle', c.className)}>{c.cell(row)}</td>
                    ))}
                  </tr>
                  {expanded && (
                    <tr className="border-b border-border bg-surface-muted">
                      <td colSpan={columns.length} className="px-4 py-3">{expanded}</td>
                    </tr>
                  )}
                </Rows>
              );
            })}
          </tbody>
        </table>
      </div>
      {loading && !rows?.length && <Spinner />}
      {error && <div className="p-4"><Alert title="Could not load data">{error}</Alert></div>}
      {!loading && !error && rows && rows.length === 0 && (empty ?? <EmptyState title="Nothing here yet" />)}
      {paging && paging.total > 0 && <Pagination {...paging} />}
    </div>
  );
}

function Rows({ children }: { children: ReactNode }) {
  return <>{children}</>;
}

export interface PaginationProps {
  total: number;
  limit: number;
  offset: number;
  onChange: (offset: number) => void;
}

export function Pagination({ total, limit, offset, onChange }: PaginationProps) {
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  return (
    <nav aria-label="Pagination" className="flex items-center justify-between gap-3 border-t border-border px-4 py-2.5 text-xs text-ink-muted">
      <p aria-live="polite">
        Showing <strong className="text-ink">{from}–{to}</strong> of <strong className="text-ink">{total}</strong>
      </p>
      <div className="flex items-center gap-2">
        <span>Page {page} of {pages}</span>
        <Button size="sm" aria-label="Previous page" disabled={offset <= 0} onClick={() => onChange(Math.max(0, offset - limit))} icon={<ChevronLeft aria-hidden className="size-4" />} />
        <Button size="sm" aria-label="Next page" disabled={offset + limit >= total} onClick={() => onChange(offset + limit)} icon={<ChevronRight aria-hidden className="size-4" />} />
      </div>
    </nav>
  );
}
