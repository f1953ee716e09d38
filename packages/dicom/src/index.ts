export * from './errors';
export * from './tags';
export * from './charset';
export * from './values';
export * from './uid';
export * from './header';
export * from './json';
export * from './query';
export * as testing from './testing/builder';
