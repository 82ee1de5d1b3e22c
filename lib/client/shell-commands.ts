// "Run in the shell" from the lesson text: a command block's ▶ hands its text to whichever shell pane is on the page
// (the workspace shows the Shell tab, the pane types it). Browser only; nothing is sent anywhere else.
type Listener = (command: string) => void;

const listeners = new Set<Listener>();

export function runInShell(command: string): void {
  for (const listener of listeners) listener(command);
}

export function onShellCommand(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
