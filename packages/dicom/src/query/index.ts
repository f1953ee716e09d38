export * from './types';
export { parseQuery, parseQidoQuery, parseFindIdentifier, type QidoParams, type ParseQueryOptions, type QueryInput } from './parse';
export { matches, wildcardToRegExp } from './match';
export { toSql, wildcardToLike, type ColumnMap, type ColumnSpec, type SqlFragment, type ToSqlOptions } from './sql';
