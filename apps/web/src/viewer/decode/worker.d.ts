// Cornerstone's decode worker module (not in the package's exports map; aliased in vite.config.ts).
declare module '@axial/cornerstone-decode-worker' {}
