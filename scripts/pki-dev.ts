/**
 * `npm run pki:dev [-- --dir .data/pki]`: the dev Agent CA, the hub's server
 * certificate and one client certificate per node of the demo topology
 * (server/agents/pki/agent-pki.ts). Idempotent: existing files are kept.
 */
import { issueAgentPki } from "../server/agents/pki/agent-pki";
import { DEMO_NODES } from "../server/demo/demo-topology";

const args = process.argv.slice(2);
const i = args.indexOf("--dir");
const dir = i >= 0 ? args[i + 1] : ".data/pki";
if (!dir || args.some((a, j) => a.startsWith("--") && a !== "--dir" && j !== i + 1)) {
  console.error("usage: npm run pki:dev [-- --dir <folder>]   (default .data/pki)");
  process.exit(2);
}
const r = await issueAgentPki(dir, DEMO_NODES.map((n) => n.id));
console.log(`Agent PKI in ${dir}: ${r.created.length} files written, ${r.kept.length} kept.`);
