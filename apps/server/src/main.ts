import './platform/threadpool'; // first: sizes libuv's thread pool before anything uses it
import { loadConfig } from './platform/config';
import { startServer } from './bootstrap';

async function main() {
  const started = Date.now();
  const config = loadConfig();
  const server = await startServer(config);
  process.stdout.write(`Axial started in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: shutting down\n`);
    await server.close().catch((e: Error) => process.stderr.write(`shutdown error: ${e.message}\n`));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: Error) => {
  process.stderr.write(`Axial failed to start: ${err.message}\n`);
  process.exit(1);
});
