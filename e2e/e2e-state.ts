/** Where scripts/e2e-server.ts leaves what browser tests may need beyond HTTP (the database URL), per port. */
import { tmpdir } from "node:os";
import path from "node:path";

export function e2eStateFile(port: number): string {
  return path.join(tmpdir(), `qecnet-e2e-${port}.json`);
}
