// `npm run setup`: checks the Docker Engine, removes leftovers of earlier runs, builds the sandbox image if needed.
import { checkEngine, ensureImage, reapOrphans } from "../sandbox/index";

const engine = await checkEngine();
if (!engine.ok) {
  console.error(`✗ ${engine.message}\n  ${engine.hint}`);
  process.exit(1);
}
console.log(`Docker Engine ${engine.serverVersion} (API ${engine.apiVersion})`);
const reaped = await reapOrphans();
if (reaped.containers || reaped.networks || reaped.images) {
  console.log(
    `removed ${reaped.containers} containers, ${reaped.networks} networks and ${reaped.images} images left by an earlier run`,
  );
}
const started = Date.now();
const tag = await ensureImage((line) => console.log(`  ${line}`));
console.log(`sandbox image ${tag} ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
