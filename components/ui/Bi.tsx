// Text in both languages; the stylesheet shows the one <html data-lang> names (set before paint, no flash).
export function Bi({ zh, en }: { zh: string; en: string }) {
  return (
    <>
      <span lang="zh-CN" className="zh">
        {zh}
      </span>
      <span lang="en" className="en">
        {en}
      </span>
    </>
  );
}

/**
 * A name for a landmark rendered on the server, which does not know the language: point `aria-labelledby` at `id`.
 * The hidden language's span is display:none, so only the shown one names the landmark.
 */
export function BiLabel({ id, zh, en }: { id: string; zh: string; en: string }) {
  return (
    <span id={id} className="visually-hidden">
      <Bi zh={zh} en={en} />
    </span>
  );
}
