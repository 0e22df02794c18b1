/**
 * `npm run pki:dev [-- --dir .data/pki]`: the three dev CAs of KEY-DELIVERY.md §3
 * and what they issue for the demo topology: the Agent CA, the hub's server
 * certificate and one agent client certificate per node
 * (server/agents/pki/agent-pki.ts); the KME CA with one KME server certificate
 * per node, and the SAE CA with one client certificate per demo SAE
 * (server/kme/pki/kme-pki.ts). Idempotent: existing files are kept.
 */
import { issueAgentPki } from "../server/agents/pki/agent-pki";
import { DEMO_SAES } from "../server/demo/demo-saes";
import { DEMO_NODES } from "../server/demo/demo-topology";
import { issueKmePki } from "../server/kme/pki/kme-pki";

const args = process.argv.slice(2);
const i = args.indexOf("--dir");
const dir = i >= 0 ? args[i + 1] : ".data/pki";
if (!dir || args.some((a, j) => a.startsWith("--") && a !== "--dir" && j !== i + 1)) {
  console.error("usage: npm run pki:dev [-- --dir <folder>]   (default .data/pki)");
  process.exit(2);
}
const nodeIds = DEMO_NODES.map((n) => n.id);
const agents = await issueAgentPki(dir, nodeIds);
console.log(`Agent PKI in ${dir}: ${agents.created.length} files written, ${agents.kept.length} kept.`);
const kme = await issueKmePki(dir, { nodeIds, saeIds: DEMO_SAES.map((s) => s.saeId) });
console.log(`SAE and KME PKI in ${dir}: ${kme.created.length} files written, ${kme.kept.length} kept.`);
