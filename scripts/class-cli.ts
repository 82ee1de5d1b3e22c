// `npm run class -- create "<name>"`: makes a class and prints the teacher's link, the invite link and the short code.
// Also `list` (the classes and their learner counts) and `close <class id>`.
import { classConfig, publicLink } from "../lib/server/class/config.ts";
import { openClassDb } from "../lib/server/class/db.ts";
import { ClassStore } from "../lib/server/class/store.ts";

const USAGE = `usage: npm run class -- create "<class name>"
       npm run class -- list
       npm run class -- close <class id>
Needs PLAYGROUND_PUBLIC_URL (the address learners open) and the same PLAYGROUND_DATA_DIR as the server.`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h") {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = classConfig(process.env);
  const db = openClassDb(config.dataDir);
  try {
    const store = new ClassStore(db);
    if (command === "create") {
      const name = rest.join(" ").trim();
      if (name === "" || name.length > 100) {
        console.error("give the class a name of 1–100 characters");
        return 2;
      }
      const c = store.createClass(name);
      // The secrets are shown once: the database keeps only their hashes.
      console.log(`class:        ${c.name} (${c.classId})`);
      console.log(`teacher link: ${publicLink(config, `/class/teacher/${c.teacherToken}`)}`);
      console.log(`invite link:  ${publicLink(config, `/class/join/${c.inviteToken}`)}`);
      console.log(`short code:   ${c.shortCode}   (learners type it at ${publicLink(config, "/class/join")})`);
      console.log("Keep the teacher link to yourself; anyone with it can manage the class.");
      return 0;
    }
    if (command === "list") {
      for (const c of store.listClasses())
        console.log(`${c.id}  ${c.closedAt ? "closed" : "open  "}  ${store.learners(c.id).length} learners  ${c.name}`);
      return 0;
    }
    if (command === "close" && rest[0]) {
      if (!store.getClass(rest[0])) {
        console.error(`no class ${rest[0]}`);
        return 1;
      }
      store.closeClass(rest[0]);
      console.log(
        `closed ${rest[0]}; its learners are signed out (a running server disconnects them on their next request)`,
      );
      return 0;
    }
    console.error(USAGE);
    return 2;
  } finally {
    db.close();
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
