/** The whole schema, for drizzle-kit and the typed database handle. Each module owns its own file. */
export * from '../../identity/identity.schema';
export * from '../../system/system.schema';
export * from '../../imaging/imaging.schema';
export * from '../../imaging/dimse/dimse.schema';
