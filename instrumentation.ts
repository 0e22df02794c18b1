/**
 * Runs once when a Next.js server starts. Everything it does is Node.js work
 * (server/runtime/start-server.ts); it lives in its own module so that the
 * Edge runtime's build never sees Node.js APIs such as process.exit.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServer } = await import("./server/runtime/start-server");
  await startServer();
}
