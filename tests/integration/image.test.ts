// The sandbox image on the real engine: a rebuild leaves no older sandbox image behind.
import { describe, expect, it } from "vitest";
import { ensureImage } from "../../sandbox/index";
import { IMAGE_REPO, removeOlderSandboxImages } from "../../sandbox/image";
import { engine } from "./helpers";

const hasTag = async (tag: string): Promise<boolean> =>
  (await engine.listImages({ filters: { reference: [tag] } })).length > 0;

describe("sandbox image", () => {
  it("removes the sandbox images an up-to-date one replaces, and keeps the current one", async () => {
    const current = await ensureImage();
    const older = `${IMAGE_REPO}:0000000000000000`;
    const [repo, tag] = older.split(":");
    await engine.getImage(current).tag({ repo, tag });
    expect(await hasTag(older)).toBe(true);
    const said: string[] = [];
    await removeOlderSandboxImages(current, (line) => said.push(line));
    expect(await hasTag(older)).toBe(false);
    expect(await hasTag(current)).toBe(true);
    expect(said).toContain(`removed the older sandbox image ${older}`);
  });
});
