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
